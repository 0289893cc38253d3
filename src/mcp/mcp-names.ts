/**
 * How the gateway names what its backends offer: tools, prompts and resource names as
 * `<backend>__<name>`, resource URIs and URI templates as `<backend>+<uri>`. Backend names contain
 * neither `_` nor `+` (compile-mcp-route.ts refuses them), so splitting at the FIRST separator is
 * unambiguous whatever the upstream name contains.
 */
export const NAME_SEPARATOR = "__";
export const URI_SEPARATOR = "+";

export function prefixName(backend: string, name: string): string {
  return `${backend}${NAME_SEPARATOR}${name}`;
}

export function prefixUri(backend: string, uri: string): string {
  return `${backend}${URI_SEPARATOR}${uri}`;
}

/** `a__echo` -> {backend: "a", name: "echo"}; undefined without a separator or with an empty part. */
export function splitName(prefixed: string): { backend: string; name: string } | undefined {
  return splitAt(prefixed, NAME_SEPARATOR);
}

/** `a+file:///x` -> {backend: "a", name: "file:///x"}. */
export function splitUri(prefixed: string): { backend: string; name: string } | undefined {
  return splitAt(prefixed, URI_SEPARATOR);
}

function splitAt(value: string, separator: string): { backend: string; name: string } | undefined {
  const at = value.indexOf(separator);
  if (at <= 0 || at + separator.length >= value.length) return undefined;
  return { backend: value.slice(0, at), name: value.slice(at + separator.length) };
}
