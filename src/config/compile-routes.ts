import type { AuthPolicy } from "../auth/auth-policy.js";
import type { CompiledPool } from "../inference/compiled-pool.js";
import { type CostSpec, compileCosts } from "../limits/compute-costs.js";
import type { PriceTable } from "../limits/price-table.js";
import { DEFAULT_TRAFFIC_POLICY, POOL_DEFAULT_TRAFFIC_POLICY } from "../upstream/traffic-policy.js";
import { compileHostMatcher } from "./compile-host-matcher.js";
import type { LimitPoliciesOf } from "./compile-limits.js";
import { absentPool } from "./compile-pools.js";
import type { TrafficPolicyLookup } from "./compile-traffic-policies.js";
import {
  type FallbackBackend,
  POOL_FALLBACK_ANNOTATION,
  parsePoolFallback,
} from "./inference-pool-fallback.js";
import { parseDuration } from "./parse-duration.js";
import type { Resource } from "./resource.js";
import type {
  BodyMutation,
  CompiledBackend,
  CompiledBackendRef,
  CompiledRoute,
  CompiledRule,
  HeaderMatcher,
  HeaderMutation,
} from "./snapshot.js";

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_OWNED_BY = "Envoy AI Gateway";
export const MODEL_HEADER = "x-ai-eg-model";

interface RouteSpec {
  hostnames?: string[];
  rules?: RuleSpec[];
  llmRequestCosts?: CostSpec[];
}
interface RuleSpec {
  name?: string;
  matches?: { headers?: { type?: string; name: string; value: string }[] }[];
  backendRefs?: BackendRefSpec[];
  timeouts?: { request?: string; backendRequest?: string };
  streamIdleTimeout?: string;
  modelsOwnedBy?: string;
  modelsCreatedAt?: string;
}
interface BackendRefSpec {
  name: string;
  namespace?: string;
  group?: string;
  kind?: string;
  weight?: number;
  priority?: number;
  modelNameOverride?: string;
  headerMutation?: MutationSpec;
  bodyMutation?: BodyMutationSpec;
}
export interface MutationSpec {
  set?: { name: string; value: string }[];
  remove?: string[];
}
export interface BodyMutationSpec {
  set?: { path: string; value: string }[];
  remove?: string[];
}

export interface RouteCompileContext {
  backends: ReadonlyMap<string, CompiledBackend>;
  /** InferencePools by "namespace/name" (compilePools); none when the configuration has none. */
  pools?: ReadonlyMap<string, CompiledPool>;
  /** Backend-level mutations of each AIServiceBackend, by "namespace/name". */
  backendMutations: ReadonlyMap<string, { header?: MutationSpec; body?: BodyMutationSpec }>;
  globalCosts: readonly CostSpec[];
  /** The price table cost CEL reads as `price_micros` (GatewayConfig annotation aigw/price-table). */
  prices?: PriceTable;
  /** Unix seconds used for `created` when a rule sets no modelsCreatedAt. */
  defaultCreatedAt: number;
  /** The TrafficPolicy of a route by namespace and name (compileTrafficPolicies). */
  trafficPolicyOf: TrafficPolicyLookup;
  /** The route's token limits and quotas (compileLimits). */
  limitPoliciesOf: LimitPoliciesOf;
  /** The SecurityPolicy of a route by namespace and name (compileSecurityPolicies); none when absent. */
  authOf?: (namespace: string, name: string) => AuthPolicy | undefined;
  warn: (message: string) => void;
}

/**
 * Compiles one AIGatewayRoute, or an HTTPRoute that sends to InferencePools (its rules have the same
 * shape): matchers precompiled, refs resolved and grouped by priority.
 */
export function compileRoute(route: Resource, ctx: RouteCompileContext): CompiledRoute {
  const spec = (route.spec ?? {}) as RouteSpec;
  const namespace = route.metadata.namespace ?? "default";
  const key = `${namespace}/${route.metadata.name}`;
  const createdAt = route.metadata.creationTimestamp
    ? Math.floor(Date.parse(route.metadata.creationTimestamp) / 1000)
    : ctx.defaultCreatedAt;
  const traffic = ctx.trafficPolicyOf(namespace, route.metadata.name);
  const pool: PoolRuleContext = {
    fallback: fallbackOf(route, key),
    // Without a BackendTrafficPolicy on the route (or Gateway), pool rules get their own defaults.
    traffic: traffic === DEFAULT_TRAFFIC_POLICY ? POOL_DEFAULT_TRAFFIC_POLICY : undefined,
  };
  const rules = (spec.rules ?? []).map((rule, i) =>
    compileRule(rule, i, namespace, key, createdAt, ctx, pool),
  );
  const costs = mergeCosts(ctx.globalCosts, spec.llmRequestCosts ?? []);
  const computeCosts = compileCosts(costs, ctx.prices);
  const backendKeys = new Set(rules.flatMap((r) => r.tiers.flatMap((t) => t.map((ref) => ref.backend.key))));
  const auth = ctx.authOf?.(namespace, route.metadata.name);
  return {
    key,
    matchesHost: compileHostMatcher(spec.hostnames),
    rules,
    costs,
    computeCosts,
    traffic,
    policies: ctx.limitPoliciesOf(key, namespace, route.metadata.name, computeCosts, backendKeys),
    ...(auth ? { auth } : {}),
  };
}

/** What a route gives its pool rules: the fallback annotation's tiers, and the default traffic policy. */
interface PoolRuleContext {
  readonly fallback: readonly (readonly FallbackBackend[])[];
  readonly traffic: CompiledRule["traffic"];
}

/** The route's aigw/inference-pool-fallback tiers (validated: parse errors cannot reach here). */
function fallbackOf(route: Resource, routeKey: string): FallbackBackend[][] {
  const text = route.metadata.annotations?.[POOL_FALLBACK_ANNOTATION];
  if (text === undefined) return [];
  const parsed = parsePoolFallback(String(text));
  if ("error" in parsed)
    throw new Error(`${routeKey}: annotation ${POOL_FALLBACK_ANNOTATION}: ${parsed.error}`);
  return parsed.tiers;
}

function compileRule(
  rule: RuleSpec,
  index: number,
  namespace: string,
  routeKey: string,
  routeCreatedAt: number,
  ctx: RouteCompileContext,
  poolContext: PoolRuleContext,
): CompiledRule {
  const matches = (rule.matches ?? []).map((m) => (m.headers ?? []).map(compileHeaderMatch));
  const models: string[] = [];
  for (const m of rule.matches ?? []) {
    for (const h of m.headers ?? []) {
      if (h.name.toLowerCase() === MODEL_HEADER && (h.type ?? "Exact") === "Exact") models.push(h.value);
    }
  }
  const refs: CompiledBackendRef[] = [];
  let pool: CompiledPool | undefined;
  const backendRef = (name: string, backendNamespace: string, ref: Partial<BackendRefSpec>) => {
    const backendKey = `${backendNamespace}/${name}`;
    const backend = ctx.backends.get(backendKey);
    if (!backend)
      throw new Error(`${routeKey}: spec.rules[${index}]: AIServiceBackend ${backendKey} not found`);
    const own = ctx.backendMutations.get(backendKey);
    refs.push({
      backend,
      weight: ref.weight ?? 1,
      priority: ref.priority ?? 0,
      modelNameOverride: ref.modelNameOverride || undefined,
      headerMutation: mergeHeaderMutation(own?.header, ref.headerMutation),
      bodyMutation: mergeBodyMutation(own?.body, ref.bodyMutation),
    });
  };
  for (const ref of rule.backendRefs ?? []) {
    if (ref.kind === "InferencePool") {
      // Validation allows one pool per rule and nothing beside it; its mutations are not applied.
      const poolKey = `${ref.namespace ?? namespace}/${ref.name}`;
      pool = ctx.pools?.get(poolKey);
      if (!pool) {
        ctx.warn(
          `${routeKey} rule ${index}: InferencePool ${poolKey} is not in the configuration; the rule answers 503 (or its fallback serves) until it is`,
        );
        pool = absentPool(poolKey);
      }
      continue;
    }
    backendRef(ref.name, ref.namespace ?? namespace, ref);
  }
  if (pool) {
    // The fallback tiers, in the route's namespace: tier i has priority i.
    poolContext.fallback.forEach((tier, priority) => {
      for (const b of tier) backendRef(b.name, namespace, { weight: b.weight, priority });
    });
  }
  const timeouts = rule.timeouts ?? {};
  const createdAt = rule.modelsCreatedAt
    ? Math.floor(Date.parse(rule.modelsCreatedAt) / 1000)
    : routeCreatedAt;
  return {
    name: rule.name ?? `rule/${index}`,
    matches,
    tiers: groupByPriority(refs),
    ...(pool ? { pool } : {}),
    ...(pool && poolContext.traffic ? { traffic: poolContext.traffic } : {}),
    requestTimeoutMs: timeouts.request ? (parseDuration(timeouts.request) ?? 0) : DEFAULT_REQUEST_TIMEOUT_MS,
    backendRequestTimeoutMs: timeouts.backendRequest ? (parseDuration(timeouts.backendRequest) ?? 0) : 0,
    streamIdleTimeoutMs: rule.streamIdleTimeout ? (parseDuration(rule.streamIdleTimeout) ?? 0) : 0,
    models,
    modelsOwnedBy: rule.modelsOwnedBy ?? DEFAULT_OWNED_BY,
    modelsCreatedAt: Number.isFinite(createdAt) ? createdAt : ctx.defaultCreatedAt,
  };
}

/** A Gateway API HTTPHeaderMatch (Exact or RegularExpression, whole value), compiled once. */
export function compileHeaderMatch(h: { type?: string; name: string; value: string }): HeaderMatcher {
  const name = h.name.toLowerCase();
  if (h.type === "RegularExpression") {
    // Envoy's safe_regex matches the whole value; compiled once here, never per request.
    const re = new RegExp(`^(?:${h.value})$`);
    return { name, test: (v) => re.test(v), description: `${name}~${h.value}` };
  }
  const expected = h.value;
  return { name, test: (v) => v === expected, description: `${name}=${expected}` };
}

/** Lowest priority value first; refs with weight 0 are kept out (they are never chosen). */
function groupByPriority(refs: CompiledBackendRef[]): CompiledBackendRef[][] {
  const tiers = new Map<number, CompiledBackendRef[]>();
  for (const ref of refs) {
    if (ref.weight <= 0) continue;
    const tier = tiers.get(ref.priority) ?? [];
    tier.push(ref);
    tiers.set(ref.priority, tier);
  }
  return [...tiers.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t);
}

/** Route-level costs override GatewayConfig global ones with the same metadataKey. */
function mergeCosts(global: readonly CostSpec[], route: readonly CostSpec[]): CostSpec[] {
  const byKey = new Map<string, CostSpec>();
  for (const c of global) byKey.set(c.metadataKey, c);
  for (const c of route) byKey.set(c.metadataKey, c);
  return [...byKey.values()];
}

/** Backend-level mutation with the route level applied over it: the route wins on conflicts. */
export function mergeHeaderMutation(
  backend: MutationSpec | undefined,
  route: MutationSpec | undefined,
): HeaderMutation | undefined {
  if (!backend && !route) return undefined;
  const set = new Map<string, string>();
  const remove = new Set<string>();
  for (const s of backend?.set ?? []) set.set(s.name.toLowerCase(), s.value);
  for (const r of backend?.remove ?? []) remove.add(r.toLowerCase());
  for (const r of route?.remove ?? []) {
    set.delete(r.toLowerCase());
    remove.add(r.toLowerCase());
  }
  for (const s of route?.set ?? []) {
    remove.delete(s.name.toLowerCase());
    set.set(s.name.toLowerCase(), s.value);
  }
  return { set, remove: [...remove] };
}

export function mergeBodyMutation(
  backend: BodyMutationSpec | undefined,
  route: BodyMutationSpec | undefined,
): BodyMutation | undefined {
  if (!backend && !route) return undefined;
  const set = new Map<string, unknown>();
  const remove = new Set<string>();
  for (const s of backend?.set ?? []) set.set(s.path, parseJsonLiteral(s.value));
  for (const r of backend?.remove ?? []) remove.add(r);
  for (const r of route?.remove ?? []) {
    set.delete(r);
    remove.add(r);
  }
  for (const s of route?.set ?? []) {
    remove.delete(s.path);
    set.set(s.path, parseJsonLiteral(s.value));
  }
  return { set, remove: [...remove] };
}

/** bodyMutation values are JSON literals ('"flex"', '0.5', '{"a":1}'); a bare word is taken as a string. */
function parseJsonLiteral(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
