/** The last header parsed, and its value: answers arriving in the same second share one Date. */
let lastDate = "";
let lastSeconds = 0;

/**
 * Unix seconds for a translated answer's `created` field. Translation is pure (no clock), and the
 * upstream's `Date` header is when the answer was made; 0 when the header is missing or unreadable.
 */
export function createdFromDateHeader(headers: Record<string, string | string[] | undefined>): number {
  const header = headers.date;
  const date = Array.isArray(header) ? (header[0] ?? "") : (header ?? "");
  if (date !== lastDate) {
    const millis = Date.parse(date);
    lastSeconds = Number.isNaN(millis) ? 0 : Math.floor(millis / 1000);
    lastDate = date;
  }
  return lastSeconds;
}
