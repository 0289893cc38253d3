import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import { createdFromDateHeader } from "../created-from-date-header.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody, Translator } from "../translator.js";
import { ConverseStreamReader } from "./converse-stream-reader.js";
import { ConverseStreamToOpenAIChunks } from "./converse-stream-to-openai-chunks.js";
import { convertConverseToOpenAIResponse } from "./convert-converse-to-openai-response.js";
import { convertOpenAIChatToConverse } from "./convert-openai-chat-to-converse.js";
import { readConverseResponse } from "./read-converse-response.js";
import { bedrockRequestId } from "./response-id.js";

/** /v1/chat/completions to AWS Bedrock Converse (`/converse`) or ConverseStream (`/converse-stream`). */
export const openAIChatBedrockTranslator: Translator = {
  request(input) {
    const converse = convertOpenAIChatToConverse(input.body, input.model);
    return {
      path: bedrockModelPath(input.model, input.stream ? "converse-stream" : "converse"),
      body: JSON.stringify(converse),
    };
  },
  response: (ctx) => new OpenAIChatBedrockResponse(ctx),
};

class OpenAIChatBedrockResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  readonly usage = emptyUsage();
  readonly responseModel: string;
  private reader: ConverseStreamReader | undefined;

  constructor(private readonly ctx: ResponseContext) {
    // Bedrock runs exactly the model asked for and does not name it in the answer.
    this.responseModel = ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const answer = readConverseResponse(this.ctx.status, this.ctx.headers, body);
    if (!answer.ok) {
      return {
        status: answer.status,
        contentType: "application/json",
        body: openAIErrorBody(answer.status, answer.error.type, answer.error.message),
      };
    }
    const json = convertConverseToOpenAIResponse(
      answer.response,
      answer.content,
      {
        id: bedrockRequestId(this.ctx.headers),
        created: createdFromDateHeader(this.ctx.headers),
        model: this.ctx.requestModel,
      },
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
      new ConverseStreamToOpenAIChunks(
        bedrockRequestId(this.ctx.headers),
        createdFromDateHeader(this.ctx.headers),
        this.ctx.requestModel,
        this.usage,
      ),
    );
    return this.reader;
  }
}
