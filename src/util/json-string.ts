/** What JSON.stringify would escape in a string: quotes, backslashes, controls, UTF-16 surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A JSON string, or null for undefined, for log lines written as templates. Nearly every value
 * (route, model, backend names) needs no escaping, and one regular-expression test is a third of
 * the cost of JSON.stringify.
 */
export function jsonString(v: string | undefined): string {
  return v === undefined ? "null" : NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}
