/**
 * The compiled resilience settings of one route: what Envoy Gateway's BackendTrafficPolicy
 * (`retry`, `healthCheck`, `circuitBreaker`) says, or the defaults when no policy applies.
 * `config/compile-traffic-policies.ts` builds it; `upstream/` reads it on the request path.
 */

/** Envoy's retry_on conditions as Envoy Gateway names them (`retryOn.triggers`). */
export type RetryTrigger =
  | "5xx"
  | "gateway-error"
  | "reset"
  | "reset-before-request"
  | "connect-failure"
  | "retriable-4xx"
  | "refused-stream"
  | "retriable-status-codes"
  | "cancelled"
  | "deadline-exceeded"
  | "internal"
  | "resource-exhausted"
  | "unavailable";

export interface RetryPolicy {
  /** Retries after the first attempt (Envoy Gateway's default is 2 when `retry` is set). */
  readonly numRetries: number;
  /** Attempts per priority tier before moving to the next tier; 0 = unset (move on every failure). */
  readonly numAttemptsPerPriority: number;
  readonly triggers: ReadonlySet<RetryTrigger>;
  /** `retryOn.httpStatusCodes`, used by the `retriable-status-codes` trigger. */
  readonly statusCodes: ReadonlySet<number>;
  /** Time to the response headers of one attempt, ms; 0 = none. Exceeding it counts as `reset`. */
  readonly perTryTimeoutMs: number;
  /** Jittered exponential back-off between retries, ms (Envoy: 25 ms base, 10 x base max). */
  readonly backOffBaseMs: number;
  readonly backOffMaxMs: number;
  /**
   * The no-policy default: a 429 or 5xx answer fails over only when a lower-priority tier has a
   * backend to try. False when a BackendTrafficPolicy `retry` applies (its triggers decide).
   */
  readonly failoverStatusToNextTier: boolean;
}

/** `healthCheck.passive`: Envoy's outlier detection. */
export interface PassiveHealthCheck {
  /** 0 disables that detector. */
  readonly consecutive5xxErrors: number;
  /** 502, 503, 504 and local-origin failures (connect failure, reset, timeout). */
  readonly consecutiveGatewayErrors: number;
  /**
   * Connect failures, resets and timeouts only. Envoy uses it only with
   * `splitExternalLocalOriginErrors`; a compiled BackendTrafficPolicy without the split sets 0.
   */
  readonly consecutiveLocalOriginFailures: number;
  /**
   * Envoy's split_external_local_origin_errors. False or absent (Envoy's default): a local-origin
   * failure also counts as a 5xx and a gateway error. True: local-origin failures count only
   * toward consecutiveLocalOriginFailures, and the other two detectors see only answers.
   */
  readonly splitExternalLocalOriginErrors?: boolean;
  /** How often ejections are reconsidered, ms. */
  readonly intervalMs: number;
  /** Ejection time = base x number of times ejected, capped (see maxEjectionMs). */
  readonly baseEjectionMs: number;
  /**
   * Bound on one ejection so that a recovered backend is back in time: always 30 s, with or without
   * a policy (Envoy's max_ejection_time defaults to 300 s; BackendTrafficPolicy cannot set it).
   */
  readonly maxEjectionMs: number;
  /** At most this share of a rule's backends is ejected at once; at least one may always be. */
  readonly maxEjectionPercent: number;
}

/** `healthCheck.active` with `type: HTTP`. */
export interface ActiveHealthCheck {
  readonly path: string;
  readonly method: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  /** Empty = 200 only. */
  readonly expectedStatuses: readonly number[];
}

/**
 * `circuitBreaker`: per backend, in this process (Envoy Gateway's default for each is 1024 when the
 * block is present). maxParallelRetries, maxRequestsPerConnection, perEndpoint and retryBudget are
 * not compiled; validation warns when they are set.
 */
export interface CircuitBreaker {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxParallelRequests: number;
}

export interface TrafficPolicy {
  /** "namespace/name" of the BackendTrafficPolicy, or undefined for the defaults. */
  readonly source: string | undefined;
  readonly retry: RetryPolicy;
  readonly passive: PassiveHealthCheck;
  readonly active: ActiveHealthCheck | undefined;
  readonly circuitBreaker: CircuitBreaker | undefined;
  /** Cap on how long a Retry-After header may keep a backend out, ms. */
  readonly retryAfterMaxMs: number;
}

/** What applies to a route that no BackendTrafficPolicy targets. */
export const DEFAULT_TRAFFIC_POLICY: TrafficPolicy = Object.freeze({
  source: undefined,
  retry: Object.freeze({
    numRetries: 1,
    numAttemptsPerPriority: 0,
    triggers: new Set<RetryTrigger>(["connect-failure", "refused-stream", "reset-before-request"]),
    statusCodes: new Set<number>(),
    perTryTimeoutMs: 0,
    backOffBaseMs: 25,
    backOffMaxMs: 250,
    failoverStatusToNextTier: true,
  }),
  passive: Object.freeze({
    consecutive5xxErrors: 5,
    consecutiveGatewayErrors: 0,
    consecutiveLocalOriginFailures: 5,
    intervalMs: 3_000,
    // Shorter than Envoy's 30 s: without a policy, a backend that recovers is used again sooner.
    baseEjectionMs: 5_000,
    maxEjectionMs: 30_000,
    maxEjectionPercent: 10,
    splitExternalLocalOriginErrors: false,
  }),
  active: undefined,
  circuitBreaker: undefined,
  retryAfterMaxMs: 60_000,
});

/**
 * What applies to a rule that sends to an InferencePool when no BackendTrafficPolicy targets its
 * route: an endpoint that refuses or resets a connection is ejected at once, one that answers 5xx
 * after 5 in a row (local-origin failures are counted apart, hence the split); ejection lasts 10 s,
 * doubling up to 30 s; every endpoint may be ejected (the rule's fallback, if any, then serves), and
 * a failed attempt is retried at once on another endpoint of the pool, 3 attempts in all.
 */
export const POOL_DEFAULT_TRAFFIC_POLICY: TrafficPolicy = Object.freeze({
  source: undefined,
  retry: Object.freeze({
    numRetries: 2,
    numAttemptsPerPriority: 0,
    triggers: new Set<RetryTrigger>(["connect-failure", "reset", "5xx"]),
    statusCodes: new Set<number>(),
    perTryTimeoutMs: 0,
    backOffBaseMs: 0,
    backOffMaxMs: 0,
    failoverStatusToNextTier: true,
  }),
  passive: Object.freeze({
    consecutive5xxErrors: 5,
    consecutiveGatewayErrors: 0,
    consecutiveLocalOriginFailures: 1,
    splitExternalLocalOriginErrors: true,
    intervalMs: 3_000,
    baseEjectionMs: 10_000,
    maxEjectionMs: 30_000,
    maxEjectionPercent: 100,
  }),
  active: undefined,
  circuitBreaker: undefined,
  retryAfterMaxMs: 60_000,
});
