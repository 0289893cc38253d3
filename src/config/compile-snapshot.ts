import { createHash } from "node:crypto";
import type { CredentialFactories } from "../credentials/compile-credentials.js";
import type { CostSpec } from "../limits/compute-costs.js";
import { inProcessLimitStores } from "../limits/in-process-limit-stores.js";
import { PRICE_TABLE_KEY, type PriceTable, parsePriceTable } from "../limits/price-table.js";
import type { LimitStores } from "../limits/token-limit-policy.js";
import { compileMcpRoutes } from "../mcp/compile-mcp-route.js";
import type { McpAccess } from "../mcp/mcp-access.js";
import type { BackendSchemaName, SchemaTranslators } from "../providers/translator.js";
import type { DispatcherCache } from "../upstream/dispatcher-cache.js";
import { compileBackends } from "./compile-backends.js";
import { compileLimits } from "./compile-limits.js";
import { compilePools } from "./compile-pools.js";
import { compileRoute } from "./compile-routes.js";
import { compileSecurityPolicies } from "./compile-security-policies.js";
import { appliedBackendTrafficPolicies, compileTrafficPolicies } from "./compile-traffic-policies.js";
import { parseQuantity } from "./parse-quantity.js";
import { GATEWAY_API_GROUP, type Resource } from "./resource.js";
import { gatewayConfigOf, ResourceIndex } from "./resource-index.js";
import type { ListenerSpec, LoadedResource, RuntimeSnapshot } from "./snapshot.js";
import { namespaceOf } from "./validate/kind-registry.js";
import { namesInferencePool } from "./validate/validate-http-route.js";

export const DEFAULT_PORT = 1975;
export const DEFAULT_BODY_LIMIT = 50 * 1024 * 1024;

export interface CompileOptions {
  generation: number;
  dispatchers: DispatcherCache;
  /** For credential chains that read the environment (AWS). */
  env: Readonly<Record<string, string | undefined>>;
  /** Translators of every schema the configuration uses (see loadSchemaTranslators). */
  translators: ReadonlyMap<BackendSchemaName, SchemaTranslators>;
  credentialFactories: CredentialFactories;
  /** Unix seconds for /v1/models `created` when nothing else says. */
  defaultCreatedAt: number;
  /** Kinds that were read but ignored (from validation). */
  ignored: readonly string[];
  /** The objects behind `ignored` (from validation); unset: none. */
  ignoredResources?: readonly Resource[];
  /** Where token-limit counters live; they outlive snapshots. Default: fresh in-process stores. */
  limitStores?: LimitStores;
  warn: (message: string) => void;
  /** Compiles an MCPRoute's securityPolicy (src/mcp/compile-mcp-access.ts); unset: ALLOW_ALL. */
  mcpAccessOf?: (route: Resource, index: ResourceIndex) => McpAccess;
}

/**
 * Compiles validated resources into the immutable snapshot the request path reads. Throws with a
 * message naming the object when something cannot be compiled (the caller keeps the old snapshot).
 */
export function compileSnapshot(resources: readonly Resource[], options: CompileOptions): RuntimeSnapshot {
  const index = new ResourceIndex(resources);
  const gateways = index.list("Gateway");
  if (gateways.length > 1) {
    throw new Error(
      `aigw serves one Gateway; found ${gateways.length}: ${gateways.map((g) => g.metadata.name).join(", ")}`,
    );
  }
  const gateway = gateways[0];
  const { backends, mutations, origins, poolCredentials } = compileBackends(index, options);
  const pools = compilePools(index, { ...options, poolCredentials });
  const trafficPolicyOf = compileTrafficPolicies(index, gateway, options.warn);
  const prices = priceTableOf(gateway, index);
  const limitPoliciesOf = compileLimits(
    index,
    appliedBackendTrafficPolicies(index, gateway),
    options.limitStores ?? inProcessLimitStores(),
    prices,
  );
  const security = compileSecurityPolicies(index, gateway, options.warn);
  // AIGatewayRoutes, then the HTTPRoutes that send to InferencePools (aigw serves no other HTTPRoute).
  const served = [
    ...index.list("AIGatewayRoute"),
    ...index.listIn(GATEWAY_API_GROUP, "HTTPRoute").filter(namesInferencePool),
  ];
  const routes = served.map((route) =>
    compileRoute(route, {
      backends,
      pools: pools.pools,
      backendMutations: mutations,
      globalCosts: globalCosts(gateway, index),
      prices,
      defaultCreatedAt: options.defaultCreatedAt,
      trafficPolicyOf,
      limitPoliciesOf,
      authOf: security.ofRoute,
      warn: options.warn,
    }),
  );
  const mcp = compileMcpRoutes({
    index,
    dispatchers: options.dispatchers,
    ...(options.mcpAccessOf ? { accessOf: options.mcpAccessOf } : {}),
  });
  options.dispatchers.retainOnly([...origins, ...pools.origins, ...mcp.origins]);
  return Object.freeze({
    generation: options.generation,
    hash: createHash("sha256").update(JSON.stringify(resources)).digest("hex").slice(0, 16),
    listener: listenerOf(gateway, index),
    bodyLimitBytes: bodyLimitOf(index),
    routes,
    mcpRoutes: mcp.routes,
    ignored: options.ignored,
    resources: loadedResources(resources, new Set(options.ignoredResources)),
    ...(security.gateway ? { gatewayAuth: security.gateway } : {}),
  });
}

function loadedResources(resources: readonly Resource[], ignored: ReadonlySet<Resource>): LoadedResource[] {
  return resources.map((r) => ({
    kind: r.kind,
    namespace: namespaceOf(r),
    name: r.metadata.name,
    status: ignored.has(r) ? "ignored" : "served",
  }));
}

function listenerOf(gateway: Resource | undefined, index: ResourceIndex): ListenerSpec {
  const listeners = (gateway?.spec?.listeners as ListenerYaml[] | undefined) ?? [];
  const listener = listeners.find((l) => l.protocol === "HTTP" || l.protocol === "HTTPS") ?? listeners[0];
  const spec: ListenerSpec = { port: listener?.port ?? DEFAULT_PORT, host: "0.0.0.0" };
  if (listener?.protocol === "HTTPS") {
    const ref = listener.tls?.certificateRefs?.[0];
    const namespace = ref?.namespace ?? gateway?.metadata.namespace;
    const secret = ref ? index.secret(namespace, ref.name) : undefined;
    const cert = secret?.["tls.crt"];
    const key = secret?.["tls.key"];
    if (!cert || !key) {
      throw new Error(
        `Gateway ${gateway?.metadata.name}: HTTPS listener needs a kubernetes.io/tls Secret with tls.crt and tls.key`,
      );
    }
    spec.tls = { cert, key };
  }
  return spec;
}

interface ListenerYaml {
  protocol?: string;
  port?: number;
  tls?: { certificateRefs?: { name: string; namespace?: string }[] };
}

/** ClientTrafficPolicy connection.bufferLimit is the request body limit; the largest one wins. */
function bodyLimitOf(index: ResourceIndex): number {
  let limit: number | undefined;
  for (const policy of index.list("ClientTrafficPolicy")) {
    const raw = (policy.spec?.connection as { bufferLimit?: string | number } | undefined)?.bufferLimit;
    const bytes = raw === undefined ? undefined : parseQuantity(raw);
    if (bytes !== undefined) limit = Math.max(limit ?? 0, bytes);
  }
  return limit ?? DEFAULT_BODY_LIMIT;
}

/** GatewayConfig globalLLMRequestCosts of the Gateway's annotated GatewayConfig. */
function globalCosts(gateway: Resource | undefined, index: ResourceIndex): CostSpec[] {
  const config = gatewayConfigOf(index, gateway);
  return (config?.spec?.globalLLMRequestCosts as CostSpec[] | undefined) ?? [];
}

/**
 * aigw's extension: GatewayConfig annotation `aigw/price-table: <ConfigMap>` names a ConfigMap (same
 * namespace) whose `prices.yaml` prices models per million tokens; cost CEL reads it as `price_micros`.
 */
export const PRICE_TABLE_ANNOTATION = "aigw/price-table";

function priceTableOf(gateway: Resource | undefined, index: ResourceIndex): PriceTable | undefined {
  const config = gatewayConfigOf(index, gateway);
  const name = config?.metadata.annotations?.[PRICE_TABLE_ANNOTATION];
  if (!config || !name) return undefined;
  const where = `GatewayConfig ${config.metadata.name}: annotation ${PRICE_TABLE_ANNOTATION}`;
  const map = index.get("ConfigMap", config.metadata.namespace, name);
  const text = (map?.data as Record<string, unknown> | undefined)?.[PRICE_TABLE_KEY];
  if (typeof text !== "string")
    throw new Error(`${where}: ConfigMap ${name} with key ${PRICE_TABLE_KEY} not found`);
  try {
    return parsePriceTable(text);
  } catch (err) {
    throw new Error(`${where}: ConfigMap ${name}: ${(err as Error).message}`);
  }
}
