/**
 * BackendTrafficPolicy -> the TrafficPolicy of each AIGatewayRoute: which policy applies to a route
 * (one aimed at the route replaces one aimed at the Gateway, or is merged over it with `mergeType`)
 * and how its `retry`, `healthCheck` and `circuitBreaker` become the settings the request path
 * reads, with Envoy Gateway's defaults for what a block leaves out.
 */
import {
  type ActiveHealthCheck,
  type CircuitBreaker,
  DEFAULT_TRAFFIC_POLICY,
  type PassiveHealthCheck,
  type RetryPolicy,
  type RetryTrigger,
  type TrafficPolicy,
} from "../upstream/traffic-policy.js";
import { parseDuration } from "./parse-duration.js";
import { AIGW_GROUP, ENVOY_GATEWAY_GROUP, GATEWAY_API_GROUP, groupOf, type Resource } from "./resource.js";
import { namespaceOf, type ResourceIndex } from "./resource-index.js";

/** The TrafficPolicy of the AIGatewayRoute `namespace/name`. */
export type TrafficPolicyLookup = (namespace: string, name: string) => TrafficPolicy;

/** Envoy Gateway's retry defaults (internal/xds/translator/route.go, api/v1alpha1/retry_types.go). */
export const EG_RETRY_DEFAULTS = Object.freeze({
  numRetries: 2,
  /** Used when `retryOn` is absent, or sets no triggers. */
  triggers: Object.freeze([
    "connect-failure",
    "refused-stream",
    "unavailable",
    "cancelled",
    "retriable-status-codes",
  ] as const satisfies readonly RetryTrigger[]),
  /** Used only when `retryOn` is absent. */
  statusCodes: Object.freeze([503]),
  /** Envoy's retry back-off: 25 ms base, 10 x base max. */
  backOffBaseMs: 25,
  backOffMaxFactor: 10,
});

/** Envoy Gateway's outlier detection defaults (api/v1alpha1/healthcheck_types.go). */
export const EG_PASSIVE_DEFAULTS = Object.freeze({
  intervalMs: 3_000,
  consecutive5xxErrors: 5,
  /** Unset = not enforced (Envoy's enforcing_consecutive_gateway_failure is 0). */
  consecutiveGatewayErrors: 0,
  consecutiveLocalOriginFailures: 5,
  baseEjectionMs: 30_000,
  /** Also what 0 means: Envoy Gateway leaves max_ejection_percent unset then (Envoy's 10). */
  maxEjectionPercent: 10,
});

/** Envoy Gateway's active health check defaults (api/v1alpha1/healthcheck_types.go). */
export const EG_ACTIVE_DEFAULTS = Object.freeze({
  timeoutMs: 1_000,
  intervalMs: 3_000,
  unhealthyThreshold: 3,
  healthyThreshold: 1,
  method: "GET",
  expectedStatuses: Object.freeze([200]),
});

/** Envoy Gateway's circuit breaker default for each limit (api/v1alpha1/circuitbreaker_types.go). */
export const EG_CIRCUIT_BREAKER_DEFAULT = 1024;

/**
 * aigw's extension to the CRD: `{group: aigateway.envoyproxy.io, kind: AIGatewayRoute}` names the
 * route itself, as `{group: gateway.networking.k8s.io, kind: HTTPRoute}` names its generated HTTPRoute.
 */
export function isAIGatewayRouteRef(ref: unknown): boolean {
  const r = ref as Ref | undefined;
  return r?.group === AIGW_GROUP && r?.kind === "AIGatewayRoute";
}

/** A target naming an AIGatewayRoute: kind HTTPRoute (the original's way) or AIGatewayRoute. */
export function isRouteRef(ref: unknown): boolean {
  const r = ref as Ref | undefined;
  return (r?.group === GATEWAY_API_GROUP && r?.kind === "HTTPRoute") || isAIGatewayRouteRef(ref);
}

export function isGatewayRef(ref: unknown): boolean {
  const r = ref as Ref | undefined;
  return r?.group === GATEWAY_API_GROUP && r?.kind === "Gateway";
}

/**
 * Envoy Gateway's order among BackendTrafficPolicies: the oldest `creationTimestamp` first (none
 * counts as the oldest, as Go's zero time), then namespace, then name. When two aim at the same
 * target, the first attaches and the others do not.
 */
export function backendTrafficPolicyOrder(a: Resource, b: Resource): number {
  const byTime = createdAt(a) - createdAt(b);
  if (byTime !== 0) return byTime;
  return compare(namespaceOf(a), namespaceOf(b)) || compare(a.metadata.name, b.metadata.name);
}

/**
 * The targets of a BackendTrafficPolicy that aigw applies: `targetRef` and `targetRefs` without a
 * `sectionName` (validation warns about the others and about `targetSelectors`).
 */
export function appliedTargets(policy: Resource): Ref[] {
  const spec = policy.spec ?? {};
  const refs = [spec.targetRef, ...(Array.isArray(spec.targetRefs) ? spec.targetRefs : [])];
  return refs.filter((ref): ref is Ref => isObject(ref) && typeof ref.name === "string" && !ref.sectionName);
}

/**
 * Resolves the BackendTrafficPolicies of `index` once. A policy aimed at the route (HTTPRoute or
 * AIGatewayRoute, in the route's namespace) replaces one aimed at `gateway` (in the Gateway's
 * namespace), unless it sets `mergeType`, in which case it is merged over it (JSONMerge; for the
 * fields compiled here StrategicMerge gives the same result). No policy: DEFAULT_TRAFFIC_POLICY.
 * `warn` hears about what a policy asks for that aigw does not do (TCP and GRPC active checks).
 */
export function compileTrafficPolicies(
  index: ResourceIndex,
  gateway: Resource | undefined,
  warn: (message: string) => void,
): TrafficPolicyLookup {
  const applied = appliedBackendTrafficPolicies(index, gateway);
  const compiled = new Map<Spec, TrafficPolicy>();
  return (namespace, name) => {
    const own = applied(namespace, name);
    if (!own) return DEFAULT_TRAFFIC_POLICY;
    let policy = compiled.get(own.spec);
    if (!policy) {
      policy = compileTrafficPolicy(own.spec, own.source, warn, retryAfterMaxOf(own.policy, warn));
      compiled.set(own.spec, policy);
    }
    return policy;
  };
}

/**
 * Where the Envoy Gateway policies of `kind` attach: the first (in Envoy Gateway's order) aimed at
 * `gateway`, in the Gateway's namespace, and per route ("namespace/name") the first aimed at it
 * (HTTPRoute or AIGatewayRoute) in the route's namespace. Later policies on the same target do not
 * attach.
 */
export function attachedPolicies(
  index: ResourceIndex,
  kind: "BackendTrafficPolicy" | "SecurityPolicy",
  gateway: Resource | undefined,
): { onGateway: Resource | undefined; onRoute: Map<string, Resource> } {
  const policies = index
    .list(kind)
    .filter((p) => groupOf(p.apiVersion) === ENVOY_GATEWAY_GROUP)
    .sort(backendTrafficPolicyOrder);
  let onGateway: Resource | undefined;
  const onRoute = new Map<string, Resource>();
  for (const policy of policies) {
    const namespace = namespaceOf(policy);
    for (const ref of appliedTargets(policy)) {
      if (isGatewayRef(ref)) {
        if (gateway && namespace === namespaceOf(gateway) && ref.name === gateway.metadata.name) {
          onGateway ??= policy;
        }
      } else if (isRouteRef(ref)) {
        const key = `${namespace}/${ref.name}`;
        if (!onRoute.has(key)) onRoute.set(key, policy);
      }
    }
  }
  return { onGateway, onRoute };
}

/** The BackendTrafficPolicy that applies to a route: its spec (merged when it says so) and name. */
export interface AppliedPolicy {
  /** "namespace/name" of the policy that decides (the route's own when it has one). */
  readonly source: string;
  readonly policy: Resource;
  readonly spec: Spec;
}

/**
 * Which BackendTrafficPolicy applies to each AIGatewayRoute, resolved once: one aimed at the route
 * (HTTPRoute or AIGatewayRoute, in the route's namespace) replaces one aimed at `gateway` (in the
 * Gateway's namespace), unless it sets `mergeType`, in which case it is merged over it (JSONMerge;
 * for the fields aigw reads StrategicMerge gives the same result). Retries and rate limits both
 * follow this choice, as in Envoy Gateway.
 */
export function appliedBackendTrafficPolicies(
  index: ResourceIndex,
  gateway: Resource | undefined,
): (namespace: string, name: string) => AppliedPolicy | undefined {
  const { onGateway, onRoute } = attachedPolicies(index, "BackendTrafficPolicy", gateway);
  const gatewayPolicy: AppliedPolicy | undefined = onGateway
    ? { source: keyOfPolicy(onGateway), policy: onGateway, spec: (onGateway.spec ?? {}) as Spec }
    : undefined;
  const resolved = new Map<Resource, AppliedPolicy>();
  return (namespace, name) => {
    const own = onRoute.get(`${namespace}/${name}`);
    if (!own) return gatewayPolicy;
    let applied = resolved.get(own);
    if (!applied) {
      const merges = onGateway !== undefined && typeof own.spec?.mergeType === "string";
      const spec = (merges ? mergePatch(onGateway?.spec ?? {}, own.spec) : (own.spec ?? {})) as Spec;
      applied = { source: keyOfPolicy(own), policy: own, spec };
      resolved.set(own, applied);
    }
    return applied;
  };
}

/**
 * One BackendTrafficPolicy spec as a TrafficPolicy. A block the spec leaves out keeps the no-policy
 * default (`retry`, `healthCheck.passive`) or stays off (`healthCheck.active`, `circuitBreaker`); a
 * block that is present gets Envoy Gateway's defaults for the fields it leaves out.
 */
export function compileTrafficPolicy(
  spec: Spec | undefined,
  source: string,
  warn: (message: string) => void,
  retryAfterMaxMs: number = DEFAULT_TRAFFIC_POLICY.retryAfterMaxMs,
): TrafficPolicy {
  const s = spec ?? {};
  const healthCheck = isObject(s.healthCheck) ? s.healthCheck : {};
  return Object.freeze({
    source,
    retry: isObject(s.retry) ? compileRetry(s.retry) : DEFAULT_TRAFFIC_POLICY.retry,
    passive: isObject(healthCheck.passive)
      ? compilePassive(healthCheck.passive)
      : DEFAULT_TRAFFIC_POLICY.passive,
    active: isObject(healthCheck.active) ? compileActive(healthCheck.active, source, warn) : undefined,
    circuitBreaker: isObject(s.circuitBreaker) ? compileCircuitBreaker(s.circuitBreaker) : undefined,
    retryAfterMaxMs,
  });
}

/**
 * aigw's extension, as an annotation so the spec stays Envoy Gateway's: the longest a `Retry-After`
 * may keep a backend out (a duration; default 60 s). Envoy Gateway's `retry` has no such field.
 */
export const RETRY_AFTER_MAX_ANNOTATION = "aigw/retry-after-max";

function retryAfterMaxOf(policy: Resource, warn: (message: string) => void): number | undefined {
  const text = policy.metadata.annotations?.[RETRY_AFTER_MAX_ANNOTATION];
  if (text === undefined) return undefined;
  const ms = parseDuration(String(text));
  if (ms === undefined) {
    warn(
      `BackendTrafficPolicy ${keyOfPolicy(policy)}: annotation ${RETRY_AFTER_MAX_ANNOTATION}: "${text}" is not a duration; using 60s`,
    );
    return undefined;
  }
  return ms;
}

/**
 * For tests: the TrafficPolicy of a BackendTrafficPolicy spec (`{retry: {numRetries: 3}}`), with
 * `source` "default/test" unless given. Throws on anything compilation would warn about.
 */
export function trafficPolicyFromSpec(spec: Spec, source = "default/test"): TrafficPolicy {
  return compileTrafficPolicy(spec, source, (message) => {
    throw new Error(message);
  });
}

function compileRetry(retry: Spec): RetryPolicy {
  const retryOn = isObject(retry.retryOn) ? retry.retryOn : undefined;
  // As Envoy Gateway: triggers given replace the default ones; a retryOn block replaces the default
  // status code (503) with its own list, even an empty one.
  const triggers =
    Array.isArray(retryOn?.triggers) && retryOn.triggers.length > 0 ? retryOn.triggers : undefined;
  const statusCodes = retryOn
    ? Array.isArray(retryOn.httpStatusCodes)
      ? retryOn.httpStatusCodes
      : []
    : EG_RETRY_DEFAULTS.statusCodes;
  const perRetry = isObject(retry.perRetry) ? retry.perRetry : {};
  const backOff = isObject(perRetry.backOff) ? perRetry.backOff : {};
  const backOffBaseMs = durationMs(backOff.baseInterval, EG_RETRY_DEFAULTS.backOffBaseMs);
  return Object.freeze({
    numRetries: count(retry.numRetries, EG_RETRY_DEFAULTS.numRetries),
    numAttemptsPerPriority: count(retry.numAttemptsPerPriority, 0),
    triggers: new Set<RetryTrigger>((triggers ?? EG_RETRY_DEFAULTS.triggers) as RetryTrigger[]),
    statusCodes: new Set<number>(statusCodes.filter((c): c is number => typeof c === "number")),
    perTryTimeoutMs: durationMs(perRetry.timeout, 0),
    backOffBaseMs,
    backOffMaxMs: durationMs(backOff.maxInterval, backOffBaseMs * EG_RETRY_DEFAULTS.backOffMaxFactor),
    failoverStatusToNextTier: false,
  });
}

function compilePassive(passive: Spec): PassiveHealthCheck {
  const split = passive.splitExternalLocalOriginErrors === true;
  const maxEjectionPercent = count(passive.maxEjectionPercent, EG_PASSIVE_DEFAULTS.maxEjectionPercent);
  return Object.freeze({
    consecutive5xxErrors: count(passive.consecutive5XxErrors, EG_PASSIVE_DEFAULTS.consecutive5xxErrors),
    consecutiveGatewayErrors: count(
      passive.consecutiveGatewayErrors,
      EG_PASSIVE_DEFAULTS.consecutiveGatewayErrors,
    ),
    // Envoy reads this detector only when local-origin errors are split from the others.
    consecutiveLocalOriginFailures: split
      ? count(passive.consecutiveLocalOriginFailures, EG_PASSIVE_DEFAULTS.consecutiveLocalOriginFailures)
      : 0,
    splitExternalLocalOriginErrors: split,
    intervalMs: durationMs(passive.interval, EG_PASSIVE_DEFAULTS.intervalMs),
    baseEjectionMs: durationMs(passive.baseEjectionTime, EG_PASSIVE_DEFAULTS.baseEjectionMs),
    // aigw's bound, with or without a policy: a recovered backend is back within 30 s.
    maxEjectionMs: DEFAULT_TRAFFIC_POLICY.passive.maxEjectionMs,
    maxEjectionPercent: maxEjectionPercent > 0 ? maxEjectionPercent : EG_PASSIVE_DEFAULTS.maxEjectionPercent,
  });
}

function compileActive(
  active: Spec,
  source: string,
  warn: (message: string) => void,
): ActiveHealthCheck | undefined {
  if (active.type !== "HTTP" || !isObject(active.http)) {
    warn(
      `BackendTrafficPolicy ${source}: healthCheck.active type ${String(active.type)} is not supported (aigw runs HTTP checks only); no active health check`,
    );
    return undefined;
  }
  const http = active.http;
  const statuses = Array.isArray(http.expectedStatuses)
    ? http.expectedStatuses.filter((c): c is number => typeof c === "number")
    : [];
  return Object.freeze({
    path: String(http.path ?? "/"),
    method:
      typeof http.method === "string" && http.method !== ""
        ? http.method.toUpperCase()
        : EG_ACTIVE_DEFAULTS.method,
    intervalMs: durationMs(active.interval, EG_ACTIVE_DEFAULTS.intervalMs),
    timeoutMs: durationMs(active.timeout, EG_ACTIVE_DEFAULTS.timeoutMs),
    unhealthyThreshold: count(active.unhealthyThreshold, EG_ACTIVE_DEFAULTS.unhealthyThreshold),
    healthyThreshold: count(active.healthyThreshold, EG_ACTIVE_DEFAULTS.healthyThreshold),
    // Deduplicated and sorted, 200 when none is given, as Envoy Gateway does.
    expectedStatuses: Object.freeze(
      statuses.length > 0
        ? [...new Set(statuses)].sort((a, b) => a - b)
        : [...EG_ACTIVE_DEFAULTS.expectedStatuses],
    ),
  });
}

function compileCircuitBreaker(cb: Spec): CircuitBreaker {
  return Object.freeze({
    maxConnections: count(cb.maxConnections, EG_CIRCUIT_BREAKER_DEFAULT),
    maxPendingRequests: count(cb.maxPendingRequests, EG_CIRCUIT_BREAKER_DEFAULT),
    maxParallelRequests: count(cb.maxParallelRequests, EG_CIRCUIT_BREAKER_DEFAULT),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a validated but loosely typed spec from user YAML.
type Spec = Record<string, any>;
type Ref = Record<string, unknown>;

function isObject(value: unknown): value is Spec {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-negative integer field, or `fallback` when it is absent (negative values count as 0). */
function count(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : fallback;
}

/** A duration field in ms, or `fallback` when it is absent or unreadable (validation reports that). */
function durationMs(value: unknown, fallback: number): number {
  return typeof value === "string" ? (parseDuration(value) ?? fallback) : fallback;
}

/**
 * A JSON merge patch as Envoy Gateway applies one policy to another: objects merge key by key and
 * anything else (lists included) replaces. Envoy Gateway patches with the typed policy, which drops
 * null fields, so a null keeps the value below instead of deleting it.
 */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Spec = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && value !== undefined) out[key] = mergePatch(out[key], value);
  }
  return out;
}

function keyOfPolicy(policy: Resource): string {
  return `${namespaceOf(policy)}/${policy.metadata.name}`;
}

/** A resource's creationTimestamp in ms; none (or unreadable) = 0, the oldest, as Go's zero time. */
export function createdAt(r: Resource): number {
  const at = r.metadata.creationTimestamp ? Date.parse(r.metadata.creationTimestamp) : 0;
  return Number.isNaN(at) ? 0 : at;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
