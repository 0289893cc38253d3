import { anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";

/**
 * A Bedrock error type (from `x-amzn-errortype` or a stream exception frame) as the Anthropic error
 * type an Anthropic SDK expects for the same condition; other types go by HTTP status.
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

export function mapBedrockErrorToAnthropicType(bedrockType: string, status: number): string {
  return Object.hasOwn(ANTHROPIC_TYPE, bedrockType)
    ? ANTHROPIC_TYPE[bedrockType]!
    : anthropicErrorTypeForStatus(status);
}
