import { anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";

/**
 * A Bedrock error type (from `x-amzn-errortype` or a stream exception frame) as the Anthropic error
 * type an Anthropic SDK expects for the same condition; other types go by HTTP status. Shared by
 * the Claude-on-Bedrock (InvokeModel) and the Converse translators.
 */
const ANTHROPIC_TYPE: Readonly<Record<string, string>> = {
  ValidationException: "invalid_request_error",
  AccessDeniedException: "permission_error",
  ResourceNotFoundException: "not_found_error",
  ThrottlingException: "rate_limit_error",
  ServiceQuotaExceededException: "rate_limit_error",
  ModelTimeoutException: "timeout_error",
  ServiceUnavailableException: "overloaded_error",
  ModelNotReadyException: "overloaded_error",
  InternalServerException: "api_error",
  ModelStreamErrorException: "api_error",
  ModelErrorException: "api_error",
};

/** Anthropic's own types (rate_limit_error, request_too_large): Bedrock's are CamelCase exceptions. */
const ANTHROPIC_STYLE = /^[a-z]+(?:_[a-z]+)+$/;

export function mapBedrockErrorToAnthropicType(bedrockType: string, status: number): string {
  if (Object.hasOwn(ANTHROPIC_TYPE, bedrockType)) return ANTHROPIC_TYPE[bedrockType]!;
  // Claude on Bedrock's own error bodies already name the Anthropic type (see readBedrockError).
  if (ANTHROPIC_STYLE.test(bedrockType)) return bedrockType;
  // Bedrock answers model-side failures with 424 and 408: not the client's fault, whatever a 4xx suggests.
  if (status === 424 || status === 408) return "api_error";
  return anthropicErrorTypeForStatus(status);
}
