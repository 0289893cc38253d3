import type { TokenUsage } from "../../usage/token-usage.js";
import { emptyUsage } from "../../usage/token-usage.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody } from "../translator.js";
import { type ConverseStreamHandler, ConverseStreamReader } from "./converse-stream-reader.js";
import type { ConverseContentBlock, ConverseResponse } from "./converse-types.js";
import { readConverseResponse } from "./read-converse-response.js";

/** How one client API says a Converse answer: its error envelope, its answer and its stream. */
export interface ConverseClientFormat {
  errorBody(status: number, type: string, message: string): string;
  /** The client API's answer to a successful Converse response; fills `usage`. */
  answer(
    response: ConverseResponse,
    content: readonly ConverseContentBlock[],
    ctx: ResponseContext,
    usage: TokenUsage,
  ): unknown;
  /** The stream translator for a ConverseStream answer, counting into `usage`. */
  stream(ctx: ResponseContext, usage: TokenUsage): ConverseStreamHandler;
}

/**
 * A Converse or ConverseStream answer for the client, the same for every client API but for what
 * `format` says. Bedrock runs exactly the model asked for and does not name it in the answer, so the
 * response model is the request's.
 */
export class ConverseResponseTranslator implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  readonly usage = emptyUsage();
  readonly responseModel: string;
  private reader: ConverseStreamReader | undefined;

  constructor(
    private readonly ctx: ResponseContext,
    private readonly format: ConverseClientFormat,
  ) {
    this.responseModel = ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const answer = readConverseResponse(this.ctx.status, this.ctx.headers, body);
    if (!answer.ok) {
      return {
        status: answer.status,
        contentType: "application/json",
        body: this.format.errorBody(answer.status, answer.error.type, answer.error.message),
      };
    }
    const json = this.format.answer(answer.response, answer.content, this.ctx, this.usage);
    return { status: this.ctx.status, contentType: "application/json", body: JSON.stringify(json) };
  }

  chunk(chunk: Buffer): string | undefined {
    return this.streamReader().chunk(chunk) || undefined;
  }

  end(): string | undefined {
    return this.streamReader().end() || undefined;
  }

  private streamReader(): ConverseStreamReader {
    this.reader ??= new ConverseStreamReader(this.format.stream(this.ctx, this.usage));
    return this.reader;
  }
}
