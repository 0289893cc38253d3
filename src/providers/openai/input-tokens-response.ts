import { emptyUsage } from "../../usage/token-usage.js";
import { type Span, scanTopLevelObject, topLevelKey } from "../../util/find-top-level-value.js";
import { tokenCount } from "../token-count.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  UpstreamProtocolError,
} from "../translator.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

const INPUT_TOKENS = [topLevelKey("input_tokens")];

/**
 * The response side of /v1/responses/input_tokens: `{"object":"response.input_tokens","input_tokens":N}`
 * passes through as it is, and N is reported as input usage (as count_tokens is), so the ledger shows
 * what was counted. Errors are the OpenAI passthrough's (JSON errors as they are, others wrapped).
 * The endpoint never streams: the gateway only calls body().
 */
export function inputTokensResponse(ctx: ResponseContext): ResponseTranslator {
  const usage = emptyUsage();
  const spans: (Span | undefined)[] = [undefined];
  return {
    streamContentType: "application/json",
    usage,
    responseModel: ctx.requestModel,
    body(body: Buffer): TranslatedBody {
      if (ctx.status >= 300) return openAIPassthroughResponse(ctx).body(body);
      if (!scanTopLevelObject(body, INPUT_TOKENS, spans))
        throw new UpstreamProtocolError("the upstream's answer is not a JSON object");
      const span = spans[0];
      const count = span ? tokenCount(Number(body.toString("utf8", span.start, span.end))) : 0;
      usage.inputTokens = count;
      usage.totalTokens = count;
      return { status: ctx.status, contentType: "application/json", body };
    },
    chunk: (chunk: Buffer) => chunk,
    end: () => undefined,
  };
}
