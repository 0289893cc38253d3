import type { PassiveHealthCheck } from "./traffic-policy.js";

/** How one attempt at a backend ended, as outlier detection counts it. */
export type AttemptOutcome =
  /** An answer below 500 (a 429 is the backend working as designed; Retry-After handles it). */
  | "success"
  /** A 5xx other than 502/503/504. */
  | "5xx"
  /** 502, 503, 504: Envoy's gateway errors. */
  | "gateway-error"
  /** Connect failure, reset, timeout: the failure happened on our side of the wire. */
  | "local-origin";

/**
 * What the gateway knows about one backend's health in this process: passive outlier detection
 * (consecutive failures eject it for a growing, bounded time), a Retry-After pause, an active health
 * check's verdict, and the number of requests in flight for circuit breaking. Lives across
 * configuration reloads, keyed by the AIServiceBackend.
 */
export class BackendHealth {
  private consecutive5xx = 0;
  private consecutiveGateway = 0;
  private consecutiveLocal = 0;
  /** performance.now() until which the backend is ejected (0 = not ejected). */
  private ejectedUntil = 0;
  private ejections = 0;
  /** Ejections since the start, for aigw_upstream_ejections_total (`ejections` starts over). */
  totalEjections = 0;
  private lastEjectionEnd = 0;
  /** The last ejection (performance.now() and why), for the console; undefined before the first. */
  private lastEjection: { readonly at: number; readonly reason: string } | undefined;
  /** The times of the last RECENT_EJECTIONS ejections (a ring, made at the first), for the console's window. */
  private recentEjections: Float64Array | undefined;
  /** performance.now() until which a Retry-After keeps the backend out. */
  private pausedUntil = 0;
  /** False while an active health check says the backend is down. */
  activelyHealthy = true;
  /** Requests in flight to this backend, for circuitBreaker limits. */
  inFlight = 0;

  constructor(readonly key: string) {}

  /** Whether new attempts may go to this backend now. */
  available(now: number): boolean {
    return this.activelyHealthy && now >= this.ejectedUntil && now >= this.pausedUntil;
  }

  isEjected(now: number): boolean {
    return now < this.ejectedUntil;
  }

  /** Keep the backend out until `until` (a Retry-After), unless it is already out for longer. */
  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
  }

  /**
   * Counts one attempt's outcome. Returns true when this outcome ejected the backend; `mayEject` says
   * whether the rule's maxEjectionPercent still allows one more ejected backend.
   */
  record(outcome: AttemptOutcome, policy: PassiveHealthCheck, now: number, mayEject: boolean): boolean {
    if (outcome === "success") {
      this.recordSuccess();
      return false;
    }
    // As Envoy without split_external_local_origin_errors: a local-origin failure is also a gateway
    // error and a 5xx (Envoy answers it 503); a plain 500 breaks a run of gateway errors.
    // With splitExternalLocalOriginErrors, local-origin failures count only toward their own detector.
    const local = outcome === "local-origin";
    if (!(local && policy.splitExternalLocalOriginErrors)) {
      this.consecutive5xx += 1;
      this.consecutiveGateway = outcome === "5xx" ? 0 : this.consecutiveGateway + 1;
    }
    this.consecutiveLocal = local ? this.consecutiveLocal + 1 : 0;
    const reason = this.trippedDetector(policy);
    if (reason === undefined || !mayEject || this.isEjected(now)) return false;
    // Envoy multiplies the base time by the number of ejections; a backend that stayed healthy for a
    // while since its last ejection starts over. Bounded, so a recovered backend is soon back.
    if (this.lastEjectionEnd > 0 && now - this.lastEjectionEnd > policy.maxEjectionMs) this.ejections = 0;
    this.ejections += 1;
    this.totalEjections += 1;
    const duration = Math.min(policy.baseEjectionMs * this.ejections, policy.maxEjectionMs);
    this.ejectedUntil = now + duration;
    this.lastEjectionEnd = this.ejectedUntil;
    this.lastEjection = { at: now, reason };
    this.recentEjections ??= new Float64Array(RECENT_EJECTIONS).fill(Number.NEGATIVE_INFINITY);
    this.recentEjections[(this.totalEjections - 1) % RECENT_EJECTIONS] = now;
    this.consecutive5xx = 0;
    this.consecutiveGateway = 0;
    this.consecutiveLocal = 0;
    return true;
  }

  /**
   * Which detector's threshold the current runs reach, named as an operator reads it; undefined when
   * none. Without splitExternalLocalOriginErrors connection failures count as 5xx and gateway errors
   * too: a run made only of them is named for them, not "5 consecutive 5xx", which would hide that
   * the backend could not be reached at all.
   */
  private trippedDetector(policy: PassiveHealthCheck): string | undefined {
    const local = this.consecutiveLocal;
    const connections = (n: number) => `${n} consecutive connection failures (refused, reset or timed out)`;
    if (reached(local, policy.consecutiveLocalOriginFailures)) return connections(local);
    const gateway = this.consecutiveGateway;
    if (reached(gateway, policy.consecutiveGatewayErrors)) {
      return local >= gateway
        ? connections(gateway)
        : `${gateway} consecutive gateway errors (502, 503, 504)`;
    }
    const any5xx = this.consecutive5xx;
    if (reached(any5xx, policy.consecutive5xxErrors)) {
      return local >= any5xx ? connections(any5xx) : `${any5xx} consecutive 5xx`;
    }
    return undefined;
  }

  /** Ejections at or after `since` (performance.now() clock), counting the last RECENT_EJECTIONS at most. */
  ejectionsSince(since: number): number {
    let n = 0;
    for (const at of this.recentEjections ?? []) if (at >= since) n += 1;
    return n;
  }

  /** An answer below 500: every run of failures is broken. */
  recordSuccess(): void {
    this.consecutive5xx = 0;
    this.consecutiveGateway = 0;
    this.consecutiveLocal = 0;
  }

  /**
   * For the decision record, the console and tests: remaining ejection and pause (ms), the ejection
   * count that multiplies the next ejection's time, every ejection since the start, and the last one
   * (`at` on the performance.now() clock).
   */
  describe(now: number): BackendHealthDescription {
    return {
      ejectedForMs: Math.max(0, this.ejectedUntil - now),
      pausedForMs: Math.max(0, this.pausedUntil - now),
      ejections: this.ejections,
      totalEjections: this.totalEjections,
      lastEjection: this.lastEjection,
      activelyHealthy: this.activelyHealthy,
    };
  }
}

/**
 * How many ejection times a backend keeps: ejections last at least baseEjectionTime and grow with
 * each one, so a console window of minutes rarely sees more.
 */
const RECENT_EJECTIONS = 16;

/** What BackendHealth.describe() tells. */
export interface BackendHealthDescription {
  readonly ejectedForMs: number;
  readonly pausedForMs: number;
  readonly ejections: number;
  readonly totalEjections: number;
  readonly lastEjection: { readonly at: number; readonly reason: string } | undefined;
  readonly activelyHealthy: boolean;
}

const reached = (count: number, threshold: number): boolean => threshold > 0 && count >= threshold;

/** Every backend's health in one gateway process; survives reloads (a reload is not a recovery). */
export class BackendHealthRegistry {
  private readonly byKey = new Map<string, BackendHealth>();

  get(key: string): BackendHealth {
    let health = this.byKey.get(key);
    if (!health) {
      health = new BackendHealth(key);
      this.byKey.set(key, health);
    }
    return health;
  }

  /** The backend's health if any attempt or check has touched it; a reader creates no state. */
  find(key: string): BackendHealth | undefined {
    return this.byKey.get(key);
  }

  /** Every backend ejected at least once, with how many times (for /metrics). */
  ejectionCounts(): [backend: string, ejections: number][] {
    const out: [string, number][] = [];
    for (const [key, health] of this.byKey)
      if (health.totalEjections > 0) out.push([key, health.totalEjections]);
    return out;
  }

  /** Forgets backends a reload removed, so their state cannot grow without bound. */
  retainOnly(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const key of this.byKey.keys()) if (!keep.has(key)) this.byKey.delete(key);
  }
}
