import { anthropicErrorBody } from "../../api/anthropic-error.js";
import { anthropicSseEvent } from "../../api/anthropic-stream-writer.js";
import { emptyUsage, type TokenUsage } from "../../usage/token-usage.js";
import { AnthropicStreamUsage } from "../anthropic/convert-anthropic-usage.js";
import { readAnthropicMessageAnswer } from "../anthropic/read-anthropic-message-answer.js";
import { mapBedrockErrorToAnthropicType } from "../aws/map-bedrock-error-to-anthropic-type.js";
import { readBedrockError } from "../aws/read-bedrock-error.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody, Translator } from "../translator.js";
import { BedrockInvokeStream } from "./bedrock-invoke-stream.js";
import { invokeModelBody } from "./invoke-model-body.js";
import { invokeModelPath } from "./invoke-model-target.js";

/**
 * /v1/messages to Claude on Bedrock (InvokeModel). The Messages body is Bedrock's too, with the
 * changes invokeModelBody makes. The streamed answer comes as an AWS event stream and is rewritten
 * into Anthropic's SSE.
 */
export const anthropicMessagesAWSAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    return { path: invokeModelPath(input.model, input.stream), body: JSON.stringify(invokeModelBody(input)) };
  },
  response: (ctx) => new AnthropicMessagesFromBedrockResponse(ctx),
};

class AnthropicMessagesFromBedrockResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  private bufferedUsage: TokenUsage | undefined;
  private model: string | undefined;
  private stream: BedrockInvokeStream | undefined;
  private readonly streamUsage = new AnthropicStreamUsage();

  constructor(private readonly ctx: ResponseContext) {}

  get usage(): TokenUsage {
    return this.bufferedUsage ?? (this.stream ? this.streamUsage.usage : emptyUsage());
  }

  get responseModel(): string | undefined {
    return this.model ?? this.streamUsage.model ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    if (status >= 400) {
      const error = readBedrockError(this.ctx.headers, body);
      const type = mapBedrockErrorToAnthropicType(error.type, status);
      return { status, contentType: "application/json", body: anthropicErrorBody(type, error.message) };
    }
    const answer = readAnthropicMessageAnswer(body);
    this.bufferedUsage = answer.usage;
    this.model = answer.model;
    return { status, contentType: "application/json", body };
  }

  chunk(chunk: Buffer): string | undefined {
    this.stream ??= new BedrockInvokeStream();
    let out = "";
    for (const { event, json } of this.stream.push(chunk)) {
      this.streamUsage.observe(event);
      out += anthropicSseEvent(event.type, json);
    }
    return out || undefined;
  }

  end(): undefined {
    return undefined;
  }
}
