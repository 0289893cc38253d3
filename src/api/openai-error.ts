/**
 * The one builder for errors on the OpenAI-compatible surface. Gateway-generated and translated
 * errors use Envoy AI Gateway's envelope: {"type":"error","error":{"type","code","message"}} with
 * `code` the HTTP status as a string unless a more specific OpenAI code applies ("model_not_found").
 * OpenAI JSON errors from OpenAI backends pass through untouched.
 */
export function openAIErrorBody(status: number, type: string, message: string, code?: string): string {
  return JSON.stringify({ type: "error", error: { type, code: code ?? String(status), message } });
}

/**
 * The event that ends an OpenAI stream which failed after it started: a `data:` line whose object has
 * an `error` member, which the `openai` SDK raises as an APIError. No `[DONE]` follows it.
 */
export function openAIStreamErrorEvent(status: number, type: string, message: string): string {
  return `data: ${JSON.stringify({ error: { type, code: String(status), message } })}\n\n`;
}
