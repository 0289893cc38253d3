/**
 * Gateway API hostname matching, compiled once per route: a hostname matches exactly, or a leading
 * "*." wildcard matches one or more labels in front of the rest. No hostnames: any host matches.
 * The returned function takes the request's Host without port, lower-cased.
 */
export function compileHostMatcher(
  hostnames: readonly string[] | undefined,
): (host: string | undefined) => boolean {
  if (!hostnames || hostnames.length === 0) return () => true;
  const exact = new Set<string>();
  /** ".example.com" for "*.example.com". */
  const suffixes: string[] = [];
  for (const h of hostnames) {
    const lower = h.toLowerCase();
    if (lower.startsWith("*.")) suffixes.push(lower.slice(1));
    else exact.add(lower);
  }
  return (host) => {
    if (!host) return false;
    if (exact.has(host)) return true;
    for (const suffix of suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return true;
    return false;
  };
}
