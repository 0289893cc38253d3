import { emptyUsage } from "../../usage/token-usage.js";
import { parseUpstreamJson } from "../json-depth-limit.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  UpstreamProtocolError,
} from "../translator.js";
import { anthropicErrorFromBedrock } from "./anthropic-error-from-bedrock.js";

/**
 * Bedrock's CountTokens answer `{"inputTokens": N}` as Anthropic's count_tokens answer
 * `{"input_tokens": N}`, whichever input form (InvokeModel or Converse) was counted. N is reported as
 * input usage, as for the Anthropic API. Bedrock errors get the Anthropic envelope and error type (an
 * Anthropic error body is relayed as it is); a 200 without a count is UpstreamProtocolError.
 */
export function anthropicCountTokensFromBedrock(ctx: ResponseContext): ResponseTranslator {
  const usage = emptyUsage();
  return {
    streamContentType: "application/json",
    usage,
    // CountTokens does not name the model that counted.
    responseModel: undefined,
    body(body: Buffer): TranslatedBody {
      const status = ctx.status;
      if (status >= 400) return anthropicErrorFromBedrock(status, ctx.headers, body);
      const count = readInputTokens(body);
      if (count === undefined) {
        throw new UpstreamProtocolError(
          `AWS Bedrock answered ${status} to CountTokens without 'inputTokens'`,
        );
      }
      usage.inputTokens = count;
      usage.totalTokens = count;
      return { status, contentType: "application/json", body: JSON.stringify({ input_tokens: count }) };
    },
    // count_tokens has no stream mode: the gateway only calls body(); these complete the contract.
    chunk: (chunk: Buffer) => chunk,
    end: () => undefined,
  };
}

function readInputTokens(body: Buffer): number | undefined {
  const parsed = parseUpstreamJson(body, "AWS Bedrock's CountTokens answer") as {
    inputTokens?: unknown;
  } | null;
  const count = parsed?.inputTokens;
  return typeof count === "number" && Number.isInteger(count) && count >= 0 ? count : undefined;
}
