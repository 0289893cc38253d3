import { openAIErrorBody } from "../../api/openai-error.js";
import { BufferedJsonResponse, countAnswer } from "../buffered-json-response.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import { tokenCount } from "../token-count.js";
import { InvalidRequestError, type Translator, UpstreamProtocolError } from "../translator.js";
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

class CountTokensResponse extends BufferedJsonResponse {
  protected errorBody(status: number, body: Buffer): string {
    const error = readVertexError(body);
    return openAIErrorBody(status, error.type, error.message);
  }

  protected answerBody(body: Buffer): string {
    const answer = parseUpstreamJson(body, "GCP Vertex AI's answer") as { totalTokens?: unknown } | null;
    if (typeof answer !== "object" || answer === null || typeof answer.totalTokens !== "number")
      throw new UpstreamProtocolError("GCP Vertex AI's countTokens answer has no totalTokens");
    return countAnswer(this, tokenCount(answer.totalTokens));
  }
}
