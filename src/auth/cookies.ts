/**
 * The `Cookie` request header (RFC 6265 section 5.4: `name=value` pairs joined by "; "), read and
 * edited by name without building a map of every cookie.
 */

/** The value of cookie `name` in a Cookie header (quotes around it removed), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

/** The Cookie header without cookie `name`; undefined when no cookie is left. */
export function removeCookie(header: string, name: string): string | undefined {
  const kept = header.split(";").filter((pair) => {
    const eq = pair.indexOf("=");
    return eq < 0 || pair.slice(0, eq).trim() !== name;
  });
  const joined = kept
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "")
    .join("; ");
  return joined === "" ? undefined : joined;
}
