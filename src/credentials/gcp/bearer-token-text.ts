/**
 * True for a string that can follow "Bearer " in a header: visible ASCII, no spaces (RFC 6750's
 * b64token is narrower still). A token endpoint answering anything else (a newline, non-ASCII) would
 * make every upstream request fail inside the HTTP client, so such an answer is refused where it
 * arrives, and a client's override token likewise.
 */
export function isBearerTokenText(value: unknown): value is string {
  return typeof value === "string" && /^[\x21-\x7e]+$/.test(value);
}
