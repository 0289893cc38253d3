import type { Dispatcher } from "undici";
import type { AuthPolicy } from "../auth/auth-policy.js";
import type { CredentialInjector } from "../credentials/credential-injector.js";
import type { RequestPolicy } from "../gateway/request-policy.js";
import type { CompiledPool } from "../inference/compiled-pool.js";
import type { CostCalculator, CostSpec } from "../limits/compute-costs.js";
import type { CompiledMcpRoute } from "../mcp/compiled-mcp-route.js";
import type { BackendSchema, SchemaTranslators } from "../providers/translator.js";
import type { TrafficPolicy } from "../upstream/traffic-policy.js";

/**
 * The compiled, immutable form of the configuration that the request path reads. Built once per
 * (re)load by compile-snapshot.ts; a request keeps the snapshot it started with.
 */
export interface RuntimeSnapshot {
  /** Increases by one on every successful (re)load. */
  readonly generation: number;
  /**
   * 16 hex digits of a SHA-256 over the resources (after `${VAR}` substitution), for
   * `aigw_config_info{hash}`: replicas serving the same configuration show the same hash.
   */
  readonly hash: string;
  readonly listener: ListenerSpec;
  /** Request body limit in bytes (ClientTrafficPolicy connection.bufferLimit; default 50 MiB). */
  readonly bodyLimitBytes: number;
  /** Routes in configuration order; rules are matched in this order, first match wins. */
  readonly routes: readonly CompiledRoute[];
  /** MCPRoutes in configuration order: their path (host and headers matched) goes to the MCP proxy. */
  readonly mcpRoutes: readonly CompiledMcpRoute[];
  /** Kinds that were read but that a standalone gateway has no use for, for the startup log. */
  readonly ignored: readonly string[];
  /** Every object read, in configuration order, for the console's Configuration page. */
  readonly resources: readonly LoadedResource[];
  /**
   * The SecurityPolicy aimed at the Gateway: checked before a 404 (so an unauthenticated client
   * learns nothing of which models exist) and on the model listing.
   */
  readonly gatewayAuth?: AuthPolicy;
}

/** One object of the configuration: what it is, and whether this gateway serves it. */
export interface LoadedResource {
  readonly kind: string;
  /** Null for a cluster-scoped kind. */
  readonly namespace: string | null;
  readonly name: string;
  /** `ignored`: a kind a standalone gateway does not use (RuntimeSnapshot.ignored lists it). */
  readonly status: "served" | "ignored";
}

export interface ListenerSpec {
  port: number;
  /** Bind address; "0.0.0.0" unless overridden by the CLI. */
  host: string;
  /** HTTPS: PEM certificate chain and key from a kubernetes.io/tls Secret. */
  tls?: { cert: string; key: string };
}

export interface CompiledRoute {
  /** "namespace/name". */
  readonly key: string;
  /** Whether the route serves a request for this host (its Host without port, lower-cased). */
  readonly matchesHost: (host: string | undefined) => boolean;
  readonly rules: readonly CompiledRule[];
  /** Request costs configured for this route (route level merged over GatewayConfig global ones). */
  readonly costs: readonly CostSpec[];
  /** The compiled form of `costs`. */
  readonly computeCosts: CostCalculator;
  /**
   * Retries, outlier detection, active health check and circuit breaker: the BackendTrafficPolicy
   * aimed at this route (kind HTTPRoute or AIGatewayRoute), else the one aimed at the Gateway, else
   * DEFAULT_TRAFFIC_POLICY (compile-traffic-policies.ts).
   */
  readonly traffic: TrafficPolicy;
  /** What admits and settles each request of this route (limits, ledger ...); often empty. */
  readonly policies: readonly RequestPolicy[];
  /**
   * Who may call this route: the SecurityPolicy aimed at it (kind HTTPRoute or AIGatewayRoute),
   * else the one aimed at the Gateway; undefined when none applies (client headers pass as sent).
   */
  readonly auth?: AuthPolicy;
}

export interface CompiledRule {
  readonly name: string;
  /** Any match may succeed (OR); within a match every header must (AND). Empty = matches everything. */
  readonly matches: readonly (readonly HeaderMatcher[])[];
  /**
   * Backend refs grouped by priority, lowest priority value first. On a rule with a `pool` these are
   * the pool's fallback (the route annotation aigw/inference-pool-fallback), usually none.
   */
  readonly tiers: readonly (readonly CompiledBackendRef[])[];
  /** The InferencePool this rule sends to (at most one per rule); its endpoints are picked per request. */
  readonly pool?: CompiledPool;
  /**
   * The rule's own resilience settings, set on a pool rule when no BackendTrafficPolicy applies to
   * its route (POOL_DEFAULT_TRAFFIC_POLICY: eject a failing endpoint sooner, retry on another).
   * The attempt loop reads `rule.traffic ?? route.traffic`.
   */
  readonly traffic?: TrafficPolicy;
  /** Whole-request timeout in ms (default 60 s); 0 = none. */
  readonly requestTimeoutMs: number;
  /** Per upstream attempt timeout in ms; 0 = same as request. */
  readonly backendRequestTimeoutMs: number;
  /**
   * The rule's `streamIdleTimeout` in ms: the longest a streamed answer may go without a byte
   * (upstream sets Envoy's per_try_idle_timeout from it); 0 = none.
   */
  readonly streamIdleTimeoutMs: number;
  /** Models this rule serves for /v1/models: the Exact x-ai-eg-model values. */
  readonly models: readonly string[];
  readonly modelsOwnedBy: string;
  /** Unix seconds. */
  readonly modelsCreatedAt: number;
}

export interface HeaderMatcher {
  /** Lower-case header name. */
  readonly name: string;
  readonly test: (value: string) => boolean;
  /** As the decision record shows it: `name=value`, or `name~regex` for a regular expression. */
  readonly description: string;
}

export interface HeaderMutation {
  /** Lower-case name -> value. */
  readonly set: ReadonlyMap<string, string>;
  /** Lower-case names. */
  readonly remove: readonly string[];
}

export interface BodyMutation {
  /** Top-level JSON field -> JSON value (already parsed). */
  readonly set: ReadonlyMap<string, unknown>;
  readonly remove: readonly string[];
}

export interface CompiledBackendRef {
  readonly backend: CompiledBackend;
  readonly weight: number;
  readonly priority: number;
  readonly modelNameOverride: string | undefined;
  /** Route-level mutation merged over the backend's own (route level wins). */
  readonly headerMutation: HeaderMutation | undefined;
  readonly bodyMutation: BodyMutation | undefined;
}

export interface CompiledBackend {
  /** "namespace/name" of the AIServiceBackend. */
  readonly key: string;
  readonly schema: BackendSchema;
  /** gen_ai.provider.name for metrics and spans ("openai", "aws.bedrock", ...), from the schema. */
  readonly providerName: string;
  /** The translators this backend's schema offers, by client API (resolved at compile time). */
  readonly translators: SchemaTranslators;
  /** Origin URL of the upstream, e.g. "https://api.openai.com:443". */
  readonly origin: string;
  /** The host header / SNI name to present upstream. */
  readonly hostHeader: string;
  /** Shared connection pool for this origin and TLS settings. */
  readonly dispatcher: Dispatcher;
  /** Adds upstream credentials to the outgoing headers; undefined when no policy targets the backend. */
  readonly credentials: CredentialInjector | undefined;
  /** "namespace/name" of the BackendSecurityPolicy that supplies them (for the decision record). */
  readonly credentialPolicy: string | undefined;
}
