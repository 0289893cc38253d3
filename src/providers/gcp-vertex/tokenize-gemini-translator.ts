import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import { tokenCount } from "../token-count.js";
import {
  InvalidRequestError,
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type Translator,
  UpstreamProtocolError,
} from "../translator.js";
import { convertOpenAIChatToGemini } from "./convert-openai-chat-to-gemini.js";
import { geminiModelPath } from "./gemini-model-path.js";
import { readVertexError } from "./read-vertex-error.js";

/**
 * /tokenize (vLLM's request shape) to Gemini's `:countTokens`, answered `{"count": N}` from
 * `totalTokens`. A `prompt` string is counted as one user turn; `messages` (with any `tools`) as the
 * chat request they would be, through the same conversion as /v1/chat/completions, keeping only the
 * members countTokens takes. N is recorded as the request's input tokens, as for Anthropic's
 * count_tokens. Errors come in the gateway's OpenAI envelope.
 */
export const tokenizeGeminiTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const body = input.body;
    let count: Record<string, unknown>;
    if (typeof body.prompt === "string") {
      count = { contents: [{ role: "user", parts: [{ text: body.prompt }] }] };
    } else if (Array.isArray(body.messages)) {
      const gemini = convertOpenAIChatToGemini({ messages: body.messages, tools: body.tools }, input.model);
      count = { contents: gemini.contents };
      if (gemini.systemInstruction) count.systemInstruction = gemini.systemInstruction;
      if (gemini.tools) count.tools = gemini.tools;
    } else {
      throw new InvalidRequestError("tokenize needs `prompt` (a string) or `messages`", 400);
    }
    return { path: geminiModelPath(input.model, "countTokens"), body: JSON.stringify(count) };
  },
  response: (ctx) => new CountTokensResponse(ctx),
};

class CountTokensResponse implements ResponseTranslator {
  readonly streamContentType = "application/json";
  readonly usage = emptyUsage();
  readonly responseModel: string;

  constructor(private readonly ctx: ResponseContext) {
    this.responseModel = ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    if (status >= 400) {
      const error = readVertexError(body);
      return {
        status,
        contentType: "application/json",
        body: openAIErrorBody(status, error.type, error.message),
      };
    }
    const answer = parseUpstreamJson(body, "GCP Vertex AI's answer") as { totalTokens?: unknown } | null;
    if (typeof answer !== "object" || answer === null || typeof answer.totalTokens !== "number")
      throw new UpstreamProtocolError("GCP Vertex AI's countTokens answer has no totalTokens");
    const count = tokenCount(answer.totalTokens);
    this.usage.inputTokens = count;
    this.usage.totalTokens = count;
    return { status, contentType: "application/json", body: JSON.stringify({ count }) };
  }

  // Counting is never streamed; the gateway only calls body().
  chunk(): undefined {
    return undefined;
  }

  end(): undefined {
    return undefined;
  }
}
