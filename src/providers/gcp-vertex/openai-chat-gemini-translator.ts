import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import { clientAskedForUsage } from "../openai/client-asked-for-usage.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type Translator,
  UpstreamProtocolError,
} from "../translator.js";
import { convertGeminiResponseToOpenAI } from "./convert-gemini-response-to-openai.js";
import { convertOpenAIChatToGemini } from "./convert-openai-chat-to-gemini.js";
import { geminiCreated } from "./gemini-created.js";
import { geminiModelPath } from "./gemini-model-path.js";
import { GeminiStreamToOpenAIChunks } from "./gemini-stream-to-openai-chunks.js";
import type { GeminiResponse } from "./gemini-types.js";
import { readVertexError } from "./read-vertex-error.js";

/**
 * /v1/chat/completions to Gemini on Vertex AI: `:generateContent`, or `:streamGenerateContent?alt=sse`
 * for a stream. Errors come back in the gateway's OpenAI envelope with Vertex's status as the type.
 */
export const openAIChatGeminiTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const gemini = convertOpenAIChatToGemini(input.body, input.model);
    return {
      path: geminiModelPath(input.model, input.stream ? "streamGenerateContent?alt=sse" : "generateContent"),
      body: JSON.stringify(gemini),
    };
  },
  response: (ctx) => new GeminiChatResponse(ctx),
};

class GeminiChatResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  readonly usage = emptyUsage();
  private model: string | undefined;
  private stream: GeminiStreamToOpenAIChunks | undefined;

  constructor(private readonly ctx: ResponseContext) {}

  get responseModel(): string {
    return this.stream?.responseModel ?? this.model ?? this.ctx.requestModel;
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
    const response = parseUpstreamJson(body, "GCP Vertex AI's answer") as GeminiResponse | null;
    if (typeof response !== "object" || response === null || Array.isArray(response))
      throw new UpstreamProtocolError("GCP Vertex AI's answer is not a JSON object");
    if (response.candidates === undefined && response.promptFeedback === undefined)
      throw new UpstreamProtocolError("GCP Vertex AI's answer has no candidates");
    if (typeof response.modelVersion === "string" && response.modelVersion !== "")
      this.model = response.modelVersion;
    const json = convertGeminiResponseToOpenAI(
      response,
      { created: geminiCreated(response.createTime, this.ctx.headers), model: this.responseModel },
      this.usage,
    );
    return { status, contentType: "application/json", body: JSON.stringify(json) };
  }

  chunk(chunk: Buffer): string | undefined {
    return this.streamState().push(chunk) || undefined;
  }

  end(): string | undefined {
    return this.streamState().end() || undefined;
  }

  private streamState(): GeminiStreamToOpenAIChunks {
    const request = this.ctx.request;
    this.stream ??= new GeminiStreamToOpenAIChunks(
      this.ctx.requestModel,
      this.ctx.headers,
      clientAskedForUsage(request.body) || request.forceIncludeUsage,
      this.usage,
    );
    return this.stream;
  }
}
