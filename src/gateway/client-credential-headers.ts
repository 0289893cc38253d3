/**
 * The request headers in which clients send a credential: an SDK's API key (OpenAI's and Envoy
 * Gateway's `Authorization: Bearer`, Anthropic's `x-api-key`, Azure's `api-key`, Gemini's
 * `x-goog-api-key`). They are never forwarded upstream (the gateway injects the backend's own) and
 * never recorded.
 */
export const CLIENT_KEY_HEADERS: readonly string[] = [
  "authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
];
