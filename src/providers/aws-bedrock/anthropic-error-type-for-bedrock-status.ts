import { anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";

/**
 * The Anthropic error type for a Bedrock error status. Bedrock answers model-side failures with 424
 * (ModelErrorException, modelStreamErrorException) and 408 (ModelTimeoutException); those are not the
 * client's fault, so they are `api_error` rather than the invalid_request_error a 4xx would suggest.
 */
export function anthropicErrorTypeForBedrockStatus(status: number): string {
  return status === 424 || status === 408 ? "api_error" : anthropicErrorTypeForStatus(status);
}
