/**
 * Unix seconds for a translated answer's `created` field. Translation is pure (no clock), and the
 * upstream's `Date` header is when the answer was made; 0 when the header is missing or unreadable.
 */
export function createdFromDateHeader(headers: Record<string, string | string[] | undefined>): number {
  const date = headers.date;
  const millis = Date.parse(Array.isArray(date) ? (date[0] ?? "") : (date ?? ""));
  return Number.isNaN(millis) ? 0 : Math.floor(millis / 1000);
}
