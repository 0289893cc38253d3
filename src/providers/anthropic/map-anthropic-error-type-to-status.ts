/**
 * The HTTP status Anthropic documents for an error type. An error that arrives inside a stream
 * (`event: error`) has no status of its own; the OpenAI envelope wants one as `code`.
 */
const STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function mapAnthropicErrorTypeToStatus(type: string): number {
  return Object.hasOwn(STATUS, type) ? STATUS[type]! : 500;
}
