import { originOf } from "../config/compile-backends.js";
import { compileHostMatcher } from "../config/compile-host-matcher.js";
import { compileHeaderMatch } from "../config/compile-routes.js";
import type { Resource } from "../config/resource.js";
import { namespaceOf, type ResourceIndex } from "../config/resource-index.js";
import type { DispatcherCache, OriginSettings } from "../upstream/dispatcher-cache.js";
import { compileToolSelector, type ToolSelectorSpec } from "./compile-tool-selector.js";
import type { CompiledMcpBackend, CompiledMcpRoute } from "./compiled-mcp-route.js";
import { ALLOW_ALL, type McpAccess } from "./mcp-access.js";
import { type McpNames, PREFIXED_NAMES, UNPREFIXED_ANNOTATION, unprefixedNames } from "./mcp-names.js";

const DEFAULT_MCP_PATH = "/mcp";
/** The Secret key an apiKey secretRef reads (as upstream). */
const API_KEY_SECRET_KEY = "apiKey";

interface McpRouteSpec {
  path?: string;
  hostnames?: string[];
  headers?: { type?: string; name: string; value: string }[];
  backendRefs?: McpBackendRefSpec[];
}
interface McpBackendRefSpec {
  name: string;
  namespace?: string;
  path?: string;
  toolSelector?: ToolSelectorSpec;
  securityPolicy?: {
    apiKey?: {
      secretRef?: { name: string; namespace?: string };
      inline?: string;
      header?: string;
      queryParam?: string;
    };
  };
  forwardHeaders?: { name: string; backendHeader?: string }[];
}

export interface McpRouteCompileContext {
  index: ResourceIndex;
  dispatchers: DispatcherCache;
  /** The route's securityPolicy compiled (the access helper's); ALLOW_ALL when not given. */
  accessOf?: (route: Resource, index: ResourceIndex) => McpAccess;
}

/**
 * Compiles every MCPRoute (v1beta1 and v1alpha1 share the kind). Returns the routes and the upstream
 * origins they use, so the snapshot keeps those connection pools open.
 */
export function compileMcpRoutes(ctx: McpRouteCompileContext): {
  routes: CompiledMcpRoute[];
  origins: OriginSettings[];
} {
  const origins: OriginSettings[] = [];
  const routes = ctx.index.list("MCPRoute").map((r) => compileMcpRoute(r, ctx, origins));
  return { routes, origins };
}

function compileMcpRoute(
  route: Resource,
  ctx: McpRouteCompileContext,
  origins: OriginSettings[],
): CompiledMcpRoute {
  const spec = (route.spec ?? {}) as McpRouteSpec;
  const namespace = namespaceOf(route);
  const key = `${namespace}/${route.metadata.name}`;
  const access = ctx.accessOf?.(route, ctx.index) ?? ALLOW_ALL;
  const produced = new Set(access.produces ?? []);
  const backends = (spec.backendRefs ?? []).map((ref, i) =>
    compileMcpBackend(ref, `MCPRoute ${key}: spec.backendRefs[${i}]`, namespace, produced, ctx, origins),
  );
  return Object.freeze({
    key,
    names: namesOf(route, key, backends),
    path: spec.path || DEFAULT_MCP_PATH,
    matchesHost: compileHostMatcher(spec.hostnames),
    namesHosts: (spec.hostnames ?? []).length > 0,
    headers: (spec.headers ?? []).map(compileHeaderMatch),
    backends,
    backendsByName: new Map(backends.map((b) => [b.name, b])),
    access,
  });
}

function namesOf(route: Resource, key: string, backends: readonly CompiledMcpBackend[]): McpNames {
  const annotation = route.metadata.annotations?.[UNPREFIXED_ANNOTATION];
  if (annotation === undefined || annotation === "false") return PREFIXED_NAMES;
  if (annotation !== "true") {
    throw new Error(`MCPRoute ${key}: annotation ${UNPREFIXED_ANNOTATION} must be "true" or "false"`);
  }
  if (backends.length !== 1) {
    throw new Error(
      `MCPRoute ${key}: annotation ${UNPREFIXED_ANNOTATION} needs exactly one backendRef (names of several backends could collide)`,
    );
  }
  return unprefixedNames(backends[0]!.name);
}

function compileMcpBackend(
  ref: McpBackendRefSpec,
  where: string,
  namespace: string,
  produced: ReadonlySet<string>,
  ctx: McpRouteCompileContext,
  origins: OriginSettings[],
): CompiledMcpBackend {
  // Names are split at the first `__` (tools, prompts) or `+` (URIs): a backend name holding either
  // would make a prefixed name ambiguous. Kubernetes names cannot, but nothing validates that here.
  if (/[_+]/.test(ref.name)) {
    throw new Error(
      `${where}.name: "${ref.name}" must not contain "_" or "+" (they separate prefixed MCP names)`,
    );
  }
  const target = ctx.index.get("Backend", ref.namespace ?? namespace, ref.name);
  if (!target) throw new Error(`${where}: Backend ${ref.namespace ?? namespace}/${ref.name} not found`);
  const origin = originOf(target, ctx.index);
  origins.push(origin.settings);
  const staticHeaders: Record<string, string> = {};
  let path = ref.path || DEFAULT_MCP_PATH;
  const apiKey = ref.securityPolicy?.apiKey;
  if (apiKey) {
    const value = apiKeyValue(apiKey, where, ref.namespace ?? namespace, ctx.index);
    if (apiKey.queryParam) {
      const joiner = path.includes("?") ? "&" : "?";
      path = `${path}${joiner}${encodeURIComponent(apiKey.queryParam)}=${encodeURIComponent(value)}`;
    } else if (apiKey.header) staticHeaders[apiKey.header.toLowerCase()] = value;
    else staticHeaders.authorization = `Bearer ${value}`;
  }
  const forwardHeaders = (ref.forwardHeaders ?? []).map((h, i) => {
    const from = h.name.toLowerCase();
    // Token passthrough is what the MCP authorization spec forbids: the client's token is for us.
    if (from === "authorization") {
      throw new Error(
        `${where}.forwardHeaders[${i}]: the client's Authorization is never forwarded to a backend`,
      );
    }
    return { from, to: (h.backendHeader || h.name).toLowerCase() };
  });
  // A header the caller's credential sets (claimToHeaders) never comes from the client, not even
  // when this caller's credential gives it no value: no client can pose as another user.
  const forwarded = forwardHeaders.filter((h) => !produced.has(h.to));
  return Object.freeze({
    name: ref.name,
    origin: origin.settings.origin,
    path,
    hostHeader: origin.hostHeader,
    dispatcher: ctx.dispatchers.get(origin.settings),
    toolAllowed: compileToolSelector(ref.toolSelector),
    staticHeaders,
    forwardHeaders: forwarded,
  });
}

function apiKeyValue(
  apiKey: NonNullable<NonNullable<McpBackendRefSpec["securityPolicy"]>["apiKey"]>,
  where: string,
  namespace: string,
  index: ResourceIndex,
): string {
  if (apiKey.inline !== undefined) return apiKey.inline;
  const ref = apiKey.secretRef!;
  const value = index.secret(ref.namespace ?? namespace, ref.name)?.[API_KEY_SECRET_KEY];
  if (!value) {
    throw new Error(
      `${where}.securityPolicy.apiKey.secretRef: Secret ${ref.namespace ?? namespace}/${ref.name} with key ${API_KEY_SECRET_KEY} not found`,
    );
  }
  return value.trim();
}
