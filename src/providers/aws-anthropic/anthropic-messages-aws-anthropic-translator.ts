import { anthropicSseEvent } from "../../api/anthropic-stream-writer.js";
import { emptyUsage, type TokenUsage } from "../../usage/token-usage.js";
import { AnthropicStreamUsage } from "../anthropic/convert-anthropic-usage.js";
import { readAnthropicMessageAnswer } from "../anthropic/read-anthropic-message-answer.js";
import { anthropicErrorFromBedrock } from "../aws/anthropic-error-from-bedrock.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody, Translator } from "../translator.js";
import { BedrockInvokeStream } from "./bedrock-invoke-stream.js";
import { INVOKE_MODEL_HEADERS, invokeModelBody } from "./invoke-model-body.js";
import { invokeModelPath } from "./invoke-model-target.js";

/**
 * /v1/messages to Claude on Bedrock (InvokeModel). The Messages body is Bedrock's too, with the
 * changes invokeModelBody makes. The streamed answer comes as an AWS event stream and is rewritten
 * into Anthropic's SSE. Errors keep their status; an Anthropic error body is relayed as it is.
 */
export const anthropicMessagesAWSAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const { body, notices } = invokeModelBody(input);
    return {
      path: invokeModelPath(input.model, input.stream),
      body: JSON.stringify(body),
      headers: { ...INVOKE_MODEL_HEADERS },
      notices,
    };
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
    if (status >= 400) return anthropicErrorFromBedrock(status, this.ctx.headers, body);
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
    // A stream without a single Anthropic event (or cut mid-frame) would otherwise end as an empty 200.
    this.stream ??= new BedrockInvokeStream();
    this.stream.end();
    return undefined;
  }
}
