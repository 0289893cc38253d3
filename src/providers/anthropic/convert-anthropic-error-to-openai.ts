import { openAIErrorBody } from "../../api/openai-error.js";
import type { AnthropicErrorBody } from "./anthropic-wire-types.js";

/**
 * An Anthropic error answer -> the OpenAI-surface envelope, keeping Anthropic's `error.type`
 * (e.g. "rate_limit_error") as the type. A body that is not Anthropic's JSON (a proxy's HTML page,
 * plain text) is quoted whole with the type `backendErrorType`.
 */
export function convertAnthropicErrorToOpenAI(
  status: number,
  body: Buffer,
  backendErrorType: string,
): string {
  const text = body.toString("utf8");
  let parsed: AnthropicErrorBody | undefined;
  try {
    parsed = JSON.parse(text) as AnthropicErrorBody;
  } catch {
    parsed = undefined;
  }
  const error = parsed?.error;
  if (error && typeof error === "object" && typeof error.type === "string") {
    return openAIErrorBody(status, error.type, typeof error.message === "string" ? error.message : "");
  }
  return openAIErrorBody(status, backendErrorType, text);
}
