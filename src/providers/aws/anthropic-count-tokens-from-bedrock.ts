import { anthropicErrorBody } from "../../api/anthropic-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody } from "../translator.js";
import { mapBedrockErrorToAnthropicType } from "./map-bedrock-error-to-anthropic-type.js";
import { AWS_BEDROCK_BACKEND_ERROR, readBedrockError } from "./read-bedrock-error.js";

/**
 * Bedrock's CountTokens answer `{"inputTokens": N}` as Anthropic's count_tokens answer
 * `{"input_tokens": N}`, whichever input form (InvokeModel or Converse) was counted. N is reported as
 * input usage, as for the Anthropic API. Bedrock errors get the Anthropic envelope and error type; a
 * 200 without a count is an upstream failure, answered 502.
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
      if (status >= 400) {
        const error = readBedrockError(ctx.headers, body);
        return errorAnswer(status, mapBedrockErrorToAnthropicType(error.type, status), error.message);
      }
      const count = readInputTokens(body);
      if (count === undefined) {
        return errorAnswer(
          502,
          mapBedrockErrorToAnthropicType(AWS_BEDROCK_BACKEND_ERROR, 502),
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

function errorAnswer(status: number, type: string, message: string): TranslatedBody {
  return { status, contentType: "application/json", body: anthropicErrorBody(type, message) };
}

function readInputTokens(body: Buffer): number | undefined {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { inputTokens?: unknown } | null;
    const count = parsed?.inputTokens;
    return typeof count === "number" && Number.isInteger(count) && count >= 0 ? count : undefined;
  } catch {
    return undefined;
  }
}
