/**
 * How the gateway names what its backends offer: tools, prompts and resource names as
 * `<backend>__<name>`, resource URIs and URI templates as `<backend>+<uri>`. Backend names contain
 * neither `_` nor `+` (compile-mcp-route.ts refuses them), so splitting at the FIRST separator is
 * unambiguous whatever the upstream name contains.
 */
const NAME_SEPARATOR = "__";
const URI_SEPARATOR = "+";

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

/** How one route names what its backends offer (CompiledMcpRoute.names). */
export interface McpNames {
  readonly prefixName: (backend: string, name: string) => string;
  readonly prefixUri: (backend: string, uri: string) => string;
  readonly splitName: (exposed: string) => { backend: string; name: string } | undefined;
  readonly splitUri: (exposed: string) => { backend: string; name: string } | undefined;
}

/** The default, as upstream: every name and URI carries its backend. */
export const PREFIXED_NAMES: McpNames = Object.freeze({ prefixName, prefixUri, splitName, splitUri });

/**
 * The opt-in of a route with one backend (UNPREFIXED_ANNOTATION): names and URIs pass unchanged,
 * and everything is routed to that backend. For clients, and test suites, that expect a server's
 * own names.
 */
export function unprefixedNames(backend: string): McpNames {
  const same = (_backend: string, value: string) => value;
  const whole = (value: string) => (value === "" ? undefined : { backend, name: value });
  return Object.freeze({ prefixName: same, prefixUri: same, splitName: whole, splitUri: whole });
}

/** MCPRoute annotation (aigw's own; upstream ignores it): "true" serves a one-backend route unprefixed. */
export const UNPREFIXED_ANNOTATION = "aigw/mcp-unprefixed-single-backend";
