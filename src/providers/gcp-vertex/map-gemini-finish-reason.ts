/** Gemini finish reasons that mean the answer was withheld or cut by a filter. */
const FILTERED = new Set(["SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"]);

/**
 * A Gemini `finishReason` as an OpenAI `finish_reason`. STOP is `tool_calls` when the candidate called
 * a function (anywhere in a stream), else `stop`; MAX_TOKENS is `length`; SAFETY, RECITATION, LANGUAGE,
 * BLOCKLIST, PROHIBITED_CONTENT, SPII and every IMAGE_* reason are `content_filter`. The rest
 * (MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, OTHER, unknown values) have no OpenAI counterpart
 * and are `stop`, or `tool_calls` when a call did come: OpenAI clients only know these four values.
 */
export function mapGeminiFinishReason(reason: unknown, calledFunction: boolean): string {
  if (reason === "MAX_TOKENS") return "length";
  if (typeof reason === "string" && (FILTERED.has(reason) || reason.startsWith("IMAGE_")))
    return "content_filter";
  return calledFunction ? "tool_calls" : "stop";
}
