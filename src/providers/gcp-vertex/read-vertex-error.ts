/** The type of an error whose body is not Vertex AI's JSON error (a proxy's page, plain text). */
export const VERTEX_BACKEND_ERROR = "GCPVertexAIBackendError";

/**
 * Vertex AI's error answer, `{"error":{"code","message","status","details"}}` (streamGenerateContent
 * without SSE wraps it in an array), as a type and a message for the client's envelope: the type is
 * Vertex's `status` (e.g. INVALID_ARGUMENT, RESOURCE_EXHAUSTED), the message Vertex's, with its
 * `details` appended as JSON when there are any. A body that is not that JSON is said as it is, with
 * type GCPVertexAIBackendError.
 */
export function readVertexError(body: Buffer | string): { type: string; message: string } {
  const text = typeof body === "string" ? body : body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: VERTEX_BACKEND_ERROR, message: text };
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  const error = (
    typeof parsed === "object" && parsed !== null ? (parsed as { error?: unknown }).error : undefined
  ) as { message?: unknown; status?: unknown; details?: unknown } | undefined;
  if (typeof error !== "object" || error === null) return { type: VERTEX_BACKEND_ERROR, message: text };
  const type = typeof error.status === "string" && error.status !== "" ? error.status : VERTEX_BACKEND_ERROR;
  let message = typeof error.message === "string" ? error.message : text;
  if (Array.isArray(error.details) && error.details.length > 0)
    message += ` Details: ${JSON.stringify(error.details)}`;
  return { type, message };
}
