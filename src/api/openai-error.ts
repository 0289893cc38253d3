/**
 * The one builder for errors on the OpenAI-compatible surface. Gateway-generated and translated
 * errors use Envoy AI Gateway's envelope: {"type":"error","error":{"type","code","message"}} with
 * `code` the HTTP status as a string (OpenAI JSON errors from OpenAI backends pass through untouched).
 */
export function openAIErrorBody(status: number, type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, code: String(status), message } });
}
