import { emptyUsage } from "../usage/token-usage.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody } from "./translator.js";

/**
 * The response side of an API that is never streamed (embeddings, token counting): the gateway
 * calls only `body()`. An error status becomes `errorBody`, a 2xx answer `answerBody`, both JSON;
 * `answerBody` fills `usage` and throws UpstreamProtocolError for an answer it cannot read.
 */
export abstract class BufferedJsonResponse implements ResponseTranslator {
  readonly streamContentType = "application/json";
  readonly usage = emptyUsage();
  readonly responseModel: string;

  constructor(protected readonly ctx: ResponseContext) {
    this.responseModel = ctx.requestModel;
  }

  /** The client's error body for an upstream error answer. */
  protected abstract errorBody(status: number, body: Buffer): string;

  /** The client's body for a 2xx answer; records the usage. */
  protected abstract answerBody(body: Buffer): string;

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    const out = status >= 400 ? this.errorBody(status, body) : this.answerBody(body);
    return { status, contentType: "application/json", body: out };
  }

  chunk(): undefined {
    return undefined;
  }

  end(): undefined {
    return undefined;
  }
}

/** A count answered as `{"count": N}`, recorded as the request's input tokens. */
export function countAnswer(response: BufferedJsonResponse, count: number): string {
  response.usage.inputTokens = count;
  response.usage.totalTokens = count;
  return JSON.stringify({ count });
}
