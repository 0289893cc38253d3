import type { CompiledBackendRef } from "../config/snapshot.js";
import type { BackendHealthRegistry } from "./backend-health.js";
import type { TrafficPolicy } from "./traffic-policy.js";

/**
 * Why no candidate is left. An inference pool adds two: `shed` (a sheddable request on a saturated
 * pool) and `no_endpoint` (no Ready endpoint), with the picker's message.
 */
export type NoCandidateReason = "none_configured" | "exhausted" | "overflow" | "shed" | "no_endpoint";

/** The order of one request's attempts: Candidates for a rule's backends, PoolCandidates for a pool. */
export interface CandidateSource {
  /** The backend for the next attempt, or undefined (see `reason`). */
  next(): CompiledBackendRef | undefined;
  /** Set when next() returned undefined. */
  readonly reason: NoCandidateReason | undefined;
  /** What the client is told when `reason` is shed or no_endpoint. */
  readonly message?: string;
  /** Whether a tier after the current one has a backend to try (the no-policy status failover). */
  hasLaterTier(): boolean;
  /** The next attempt goes to the following tier, whatever is left in this one. */
  moveToNextTier(): void;
  /** Leaves these backends (by key) out of this request; call before the first `next()`. */
  exclude(backendKeys: ReadonlySet<string>): void;
  /** The attempt at `ref` was sent / is over (a pool's picker counts its endpoints' load). */
  sent?(ref: CompiledBackendRef): void;
  finished?(ref: CompiledBackendRef): void;
}

/**
 * The order in which one request tries a rule's backends: the lowest `priority` tier first, by
 * weight within it (a weighted shuffle, so a retry goes to another backend of the tier), then the
 * next tier. Backends that are ejected, paused by a Retry-After or down by their active health check
 * are passed over; if that leaves no backend in any tier, every configured backend is tried anyway
 * (Envoy's panic routing: better a likely failure than a certain one). A backend at its
 * circuit-breaker limit is skipped; when every one is, the request fails fast.
 *
 * With `numAttemptsPerPriority`, each tier gets that many attempts before the next tier; without it,
 * every failed attempt moves on to the next backend in order. A user's retry policy wraps around to
 * the first tier when all were tried; the no-policy default tries each backend at most once.
 */
export class Candidates implements CandidateSource {
  private tier = 0;
  private position = 0;
  private attemptsInTier = 0;
  private readonly orders: (readonly CompiledBackendRef[] | undefined)[] = [];
  private panic: boolean | undefined;
  private returned = 0;
  private overflowed = 0;
  /** Set when next() returned undefined. */
  reason: NoCandidateReason | undefined;

  private clock: number | undefined;
  /** Backends this request must not try at all, not even in panic (their quota is spent). */
  private excluded: ReadonlySet<string> | undefined;

  /** `now` (performance.now()) is read on first use unless given (tests). */
  constructor(
    private readonly tiers: readonly (readonly CompiledBackendRef[])[],
    private readonly policy: TrafficPolicy,
    private readonly health: BackendHealthRegistry,
    now?: number,
    private readonly random: () => number = Math.random,
  ) {
    this.clock = now;
  }

  /** Leaves these backends (by key) out of this request; call before the first `next()`. */
  exclude(backendKeys: ReadonlySet<string>): void {
    this.excluded = backendKeys;
  }

  private get now(): number {
    this.clock ??= performance.now();
    return this.clock;
  }

  /** The backend for the next attempt, or undefined (see `reason`). */
  next(): CompiledBackendRef | undefined {
    if (this.tiers.length === 0) return this.none("none_configured");
    let configured = 0;
    for (const t of this.tiers) configured += t.length;
    // Each backend can be passed over once per lap for overflow; a lap more than that is a loop.
    for (let skips = 0; skips <= configured * 2; skips++) {
      const ref = this.advance();
      if (!ref) return this.none(this.returned === 0 && this.overflowed > 0 ? "overflow" : "exhausted");
      if (!this.overflowing(ref)) {
        this.returned += 1;
        return ref;
      }
      this.overflowed += 1;
    }
    return this.none(this.returned === 0 ? "overflow" : "exhausted");
  }

  /** Whether a tier after the current one has a backend to try (the no-policy status failover). */
  hasLaterTier(): boolean {
    for (let i = this.tier + 1; i < this.tiers.length; i++) if (this.orderOf(i).length > 0) return true;
    return false;
  }

  /** The next attempt goes to the following tier, whatever is left in this one. */
  moveToNextTier(): void {
    this.tier += 1;
    this.position = 0;
    this.attemptsInTier = 0;
  }

  private advance(): CompiledBackendRef | undefined {
    const perTier = this.policy.retry.numAttemptsPerPriority;
    // failoverStatusToNextTier is the no-policy default's mark; a BackendTrafficPolicy `retry` clears it.
    const wrap = !this.policy.retry.failoverStatusToNextTier;
    for (let laps = 0; laps < 2; ) {
      if (this.tier >= this.tiers.length) {
        if (!wrap) return undefined;
        this.tier = 0;
        this.position = 0;
        this.attemptsInTier = 0;
        laps += 1;
        continue;
      }
      const order = this.orderOf(this.tier);
      const used = perTier > 0 ? this.attemptsInTier >= perTier : this.position >= order.length;
      if (order.length === 0 || used) {
        this.moveToNextTier();
        continue;
      }
      const ref = order[this.position % order.length]!;
      this.position += 1;
      this.attemptsInTier += 1;
      return ref;
    }
    return undefined;
  }

  private none(reason: NoCandidateReason): undefined {
    this.reason = reason;
    return undefined;
  }

  private overflowing(ref: CompiledBackendRef): boolean {
    const limit = this.policy.circuitBreaker;
    if (!limit) return false;
    const max = Math.min(limit.maxParallelRequests, limit.maxConnections + limit.maxPendingRequests);
    return this.health.get(ref.backend.key).inFlight >= max;
  }

  /**
   * The tier's backends that may take traffic now, weighted-shuffled; computed once per request. The
   * common case, a one-backend tier that is available, is the tier itself: nothing is copied.
   */
  private orderOf(index: number): readonly CompiledBackendRef[] {
    const cached = this.orders[index];
    if (cached) return cached;
    const excluded = this.excluded;
    const tier = excluded
      ? this.tiers[index]!.filter((r) => !excluded.has(r.backend.key))
      : this.tiers[index]!;
    let usable: readonly CompiledBackendRef[];
    if (this.panic) usable = tier;
    else {
      let all = true;
      for (const r of tier) if (!this.health.get(r.backend.key).available(this.now)) all = false;
      usable = all ? tier : tier.filter((r) => this.health.get(r.backend.key).available(this.now));
      // Nothing here: unless some tier has a backend to offer, every backend is tried (panic).
      if (usable.length === 0 && this.panic === undefined && !this.anyAvailable()) {
        this.panic = true;
        usable = tier;
      }
    }
    const order = usable.length < 2 ? usable : this.weightedShuffle([...usable]);
    this.orders[index] = order;
    return order;
  }

  private weightedShuffle(usable: CompiledBackendRef[]): CompiledBackendRef[] {
    const out: CompiledBackendRef[] = [];
    while (usable.length > 0) {
      let total = 0;
      for (const r of usable) total += r.weight;
      let point = this.random() * total;
      let chosen = usable.length - 1;
      for (let i = 0; i < usable.length; i++) {
        point -= usable[i]!.weight;
        if (point < 0) {
          chosen = i;
          break;
        }
      }
      out.push(usable[chosen]!);
      usable.splice(chosen, 1);
    }
    return out;
  }

  private anyAvailable(): boolean {
    for (const tier of this.tiers) {
      for (const r of tier) {
        if (this.excluded?.has(r.backend.key)) continue;
        if (this.health.get(r.backend.key).available(this.now)) return true;
      }
    }
    return false;
  }
}
