/**
 * 2026-07-28 header values (`Mcp-Name`, `Mcp-Param-*`): plain when they are safe visible ASCII,
 * else `=?base64?<base64 of the UTF-8>?=` (a plain value that looks like that form is encoded too).
 */
const PREFIX = "=?base64?";
const SUFFIX = "?=";
/** Visible ASCII, inner spaces allowed, no leading or trailing whitespace. */
const PLAIN = /^[!-~](?:[ -~]*[!-~])?$/;

export function encodeHeaderValue(value: string): string {
  if (PLAIN.test(value) && !value.startsWith(PREFIX)) return value;
  return `${PREFIX}${Buffer.from(value, "utf8").toString("base64")}${SUFFIX}`;
}

/** The value a header carries; undefined when it claims the encoded form but is not valid base64. */
export function decodeHeaderValue(header: string): string | undefined {
  if (!header.startsWith(PREFIX) || !header.endsWith(SUFFIX)) return header;
  const encoded = header.slice(PREFIX.length, header.length - SUFFIX.length);
  const bytes = Buffer.from(encoded, "base64");
  // Buffer.from skips characters outside the alphabet: a round trip tells garbage apart.
  if (bytes.toString("base64").replace(/=+$/, "") !== encoded.replace(/=+$/, "")) return undefined;
  return bytes.toString("utf8");
}
