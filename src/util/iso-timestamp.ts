/** The second last formatted, and its ISO-8601 text up to the milliseconds ("2026-12-02T10:00:00."). */
let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * `new Date(ms).toISOString()` for the access log, which writes one per request: the text of the
 * current second is kept, so most calls only append the milliseconds (no Date object, no calendar
 * arithmetic). Same output for every epoch millisecond from 1970 to 9999.
 */
export function isoTimestamp(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}
