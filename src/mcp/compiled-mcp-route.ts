import type { Dispatcher } from "undici";
import type { HeaderMatcher } from "../config/snapshot.js";
import type { McpAccess } from "./mcp-access.js";
import type { McpNames } from "./mcp-names.js";

/** One MCPRoute, compiled once per snapshot (compile-mcp-route.ts) for the MCP proxy to read. */
export interface CompiledMcpRoute {
  /** "namespace/name". */
  readonly key: string;
  /** The MCP endpoint's path (default `/mcp`). */
  readonly path: string;
  /** Whether the route serves a request for this host (Host without port, lower-cased). */
  readonly matchesHost: (host: string | undefined) => boolean;
  /** Whether the route lists hostnames: then a Host it serves is a name its operator chose (DNS rebinding). */
  readonly namesHosts: boolean;
  /** Every header must match (AND); empty: any request. */
  readonly headers: readonly HeaderMatcher[];
  /** In configuration order; names are unique and contain neither `_` nor `+`. */
  readonly backends: readonly CompiledMcpBackend[];
  /** The same backends by name, for routing a prefixed name. */
  readonly backendsByName: ReadonlyMap<string, CompiledMcpBackend>;
  /** How tools, prompts and resources are exposed: prefixed by backend (default), or unprefixed by opt-in. */
  readonly names: McpNames;
  /** Authentication and authorization of the route's securityPolicy; ALLOW_ALL without one. */
  readonly access: McpAccess;
}

export interface CompiledMcpBackend {
  /** backendRefs[].name: the prefix of its tools, prompts and resources. */
  readonly name: string;
  /** Origin of the Envoy Gateway Backend, e.g. "http://127.0.0.1:8080". */
  readonly origin: string;
  /** The backend's MCP path (backendRef `path`, default `/mcp`), with the API key query when configured. */
  readonly path: string;
  /** The Host header to present upstream. */
  readonly hostHeader: string;
  /** The shared connection pool of the origin. */
  readonly dispatcher: Dispatcher;
  /** Whether a tool of this backend (its own name) may be listed and called. */
  readonly toolAllowed: (tool: string) => boolean;
  /**
   * Headers every request to this backend carries: the API key (`authorization: Bearer <key>` or
   * the raw key in its custom header). Lower-case names.
   */
  readonly staticHeaders: Readonly<Record<string, string>>;
  /** forwardHeaders: lower-case client header -> lower-case backend header. */
  readonly forwardHeaders: readonly { readonly from: string; readonly to: string }[];
}
