/**
 * Errors on the Cohere surface (`/cohere/v2/rerank`) in Cohere's own shape, `{"message": "..."}`:
 * Cohere's API answers errors so (with an `id` the gateway does not have), and Cohere's SDKs and
 * rerank clients such as LangChain's read `message`. Envoy AI Gateway writes its OpenAI envelope
 * here too; a Cohere client would find no `message` in it, so this surface keeps Cohere's. The
 * gateway's own error type is not part of the shape: the status carries the class of error.
 */
export function cohereErrorBody(_status: number, _type: string, message: string): string {
  return JSON.stringify({ message });
}

/** Rerank does not stream; a failure after the first byte (never expected) ends with one JSON line. */
export function cohereStreamErrorEvent(status: number, type: string, message: string): string {
  return `${cohereErrorBody(status, type, message)}\n`;
}
