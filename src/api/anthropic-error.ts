/**
 * The one builder for errors on the Anthropic Messages surface:
 * {"type":"error","error":{"type":"invalid_request_error","message":"..."}}.
 */
export function anthropicErrorBody(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message } });
}

/**
 * The event that ends an Anthropic stream which failed after it started (`event: error`, as Anthropic
 * sends `overloaded_error` mid-stream); `@anthropic-ai/sdk` raises it as an APIError.
 */
export function anthropicStreamErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${anthropicErrorBody(type, message)}\n\n`;
}

/** Anthropic's documented error type for an HTTP status. */
export function anthropicErrorTypeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
      return "service_unavailable_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}
