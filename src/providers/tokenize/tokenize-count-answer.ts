import { emptyUsage } from "../../usage/token-usage.js";
import { parseUpstreamJson } from "../json-depth-limit.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  UpstreamProtocolError,
} from "../translator.js";

/**
 * The response side of /tokenize to a backend whose count-tokens API answers a count under another
 * name (Bedrock's CountTokens: `inputTokens`): the client gets `{"count": N}`, as Envoy AI Gateway
 * answers for translated backends. N is counted as input usage, as count_tokens counts it. Errors
 * are answered by `error` (each provider has its own envelope to convert); a 2xx without a count is
 * UpstreamProtocolError.
 */
export function tokenizeCountAnswer(
  ctx: ResponseContext,
  what: string,
  readCount: (answer: Record<string, unknown>) => unknown,
  error: (status: number, headers: ResponseContext["headers"], body: Buffer) => TranslatedBody,
): ResponseTranslator {
  const usage = emptyUsage();
  return {
    streamContentType: "application/json",
    usage,
    responseModel: undefined,
    body(body: Buffer): TranslatedBody {
      const status = ctx.status;
      if (status >= 400) return error(status, ctx.headers, body);
      const parsed = parseUpstreamJson(body, what) as Record<string, unknown> | null;
      const count = parsed !== null && typeof parsed === "object" ? readCount(parsed) : undefined;
      if (typeof count !== "number" || !Number.isInteger(count) || count < 0)
        throw new UpstreamProtocolError(`${what} holds no token count`);
      usage.inputTokens = count;
      usage.totalTokens = count;
      return { status, contentType: "application/json", body: JSON.stringify({ count }) };
    },
    // /tokenize has no stream mode: the gateway only calls body(); these complete the contract.
    chunk: (chunk: Buffer) => chunk,
    end: () => undefined,
  };
}
