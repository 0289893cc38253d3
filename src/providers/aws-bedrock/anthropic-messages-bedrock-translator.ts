import { anthropicErrorBody } from "../../api/anthropic-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import { mapBedrockErrorToAnthropicType } from "../aws/map-bedrock-error-to-anthropic-type.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody, Translator } from "../translator.js";
import { ConverseStreamReader } from "./converse-stream-reader.js";
import { ConverseStreamToAnthropicEvents } from "./converse-stream-to-anthropic-events.js";
import { convertAnthropicRequestToConverse } from "./convert-anthropic-request-to-converse.js";
import { convertConverseToAnthropicResponse } from "./convert-converse-to-anthropic-response.js";
import { readConverseResponse } from "./read-converse-response.js";
import { bedrockRequestId } from "./response-id.js";

/** /anthropic/v1/messages to AWS Bedrock Converse / ConverseStream, for any Bedrock model. */
export const anthropicMessagesBedrockTranslator: Translator = {
  request(input) {
    const converse = convertAnthropicRequestToConverse(input.body);
    return {
      path: bedrockModelPath(input.model, input.stream ? "converse-stream" : "converse"),
      body: JSON.stringify(converse),
    };
  },
  response: (ctx) => new AnthropicMessagesBedrockResponse(ctx),
};

class AnthropicMessagesBedrockResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  readonly usage = emptyUsage();
  readonly responseModel: string;
  private reader: ConverseStreamReader | undefined;

  constructor(private readonly ctx: ResponseContext) {
    this.responseModel = ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const answer = readConverseResponse(this.ctx.status, this.ctx.headers, body);
    if (!answer.ok) {
      return {
        status: answer.status,
        contentType: "application/json",
        body: anthropicErrorBody(
          mapBedrockErrorToAnthropicType(answer.error.type, answer.status),
          answer.error.message,
        ),
      };
    }
    const json = convertConverseToAnthropicResponse(
      answer.response,
      answer.content,
      { id: bedrockRequestId(this.ctx.headers), model: this.ctx.requestModel },
      this.usage,
    );
    return { status: this.ctx.status, contentType: "application/json", body: JSON.stringify(json) };
  }

  chunk(chunk: Buffer): string | undefined {
    return this.streamReader().chunk(chunk) || undefined;
  }

  end(): string | undefined {
    return this.streamReader().end() || undefined;
  }

  private streamReader(): ConverseStreamReader {
    this.reader ??= new ConverseStreamReader(
      new ConverseStreamToAnthropicEvents(
        bedrockRequestId(this.ctx.headers),
        this.ctx.requestModel,
        this.usage,
      ),
    );
    return this.reader;
  }
}
