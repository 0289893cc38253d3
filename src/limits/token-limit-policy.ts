import { GatewayError } from "../gateway/gateway-error.js";
import type { AdmissionContext, RequestPolicy } from "../gateway/request-policy.js";
import type { LimitRecord, RequestRecord } from "../gateway/request-record.js";
import { type AdmissionEstimate, estimateCost } from "./admission-estimate.js";
import { bucketName, type SelectorInput } from "./client-selector.js";
import type { BackendQuotas, QuotaSet } from "./compile-quota-policies.js";
import { setCounterKey } from "./counter-key-of.js";
import {
  type BucketCharge,
  type BucketCheck,
  type CheckResult,
  type CounterStore,
  CounterStoreUnavailableError,
  type LocalCounterStore,
} from "./counter-store.js";
import { windowIndex } from "./fixed-window.js";
import { isSpent } from "./memory-counter-store.js";
import { costOf, type LimitRule, type RateLimitRule } from "./rate-limit-rule.js";

/** The stores a route's limits count in: `local` is always this process; `shared` may be Redis. */
export interface LimitStores {
  readonly local: LocalCounterStore;
  readonly shared: CounterStore;
}

/** One counter a request touches: what the store checks, and what settle charges. */
interface Counter<R extends LimitRule = LimitRule> extends BucketCheck {
  readonly rule: R;
  /** The selector's distinct values: the part of the key that tells the rule's buckets apart. */
  readonly distinct: string;
  /** Its place in the checks of its store, where the store's answer (`used`) is found. */
  readonly index: number;
}

/** What the stores answered for one request's counters. */
interface Readings {
  readonly decision: LimitDecision;
  readonly now: number;
  readonly local: CheckResult | undefined;
  readonly shared?: CheckResult;
  readonly sharedChecks: readonly Counter[];
}

/** The quota counters of one backend, by the quota set that prices them. */
type BackendCounters = readonly { readonly set: QuotaSet; readonly counters: readonly Counter[] }[];

/** What admit decided, kept for settle. */
export interface LimitDecision {
  readonly rate: readonly Counter<RateLimitRule>[];
  /** By backend key: the quota counters of that backend (charged if it serves the request). */
  readonly quotas: ReadonlyMap<string, BackendCounters>;
}

export interface TokenLimitSetup {
  /** The rate-limit rules of the BackendTrafficPolicy that applies to the route. */
  readonly rateRules: readonly RateLimitRule[];
  /** QuotaPolicies by AIServiceBackend key. */
  readonly quotas: ReadonlyMap<string, BackendQuotas>;
  readonly stores: LimitStores;
  /** aigw/admission-estimate: refuse up front what alone would overshoot the remaining budget. */
  readonly estimate: AdmissionEstimate | undefined;
}

const NO_QUOTAS: ReadonlyMap<string, BackendCounters> = new Map();
/** Counter keys kept per rule (distinct value -> key of the current window), so hot keys are built once. */
const MAX_CACHED_KEYS = 4096;

/**
 * Token rate limits (BackendTrafficPolicy rateLimit) and quotas (QuotaPolicy) of one route, as
 * Envoy and its rate-limit service apply them: before the request each selected bucket is checked
 * with its request cost (0 for token limits: only "is it already spent?"), and a spent bucket
 * refuses the request with 429 before any upstream sees it; when the answer is done, the real cost
 * (tokens, or money from a CEL price) is charged. An admitted stream is never cut off, so a budget
 * can be overshot by what the requests in flight spend.
 *
 * Quotas belong to backends (and the model sent to them): a backend whose quota is spent is taken
 * out of this request's candidates, so traffic fails over to a backend with quota left; when no
 * backend of the rule has any, the request is refused.
 *
 * This runs on every request of a limited route: the in-process store answers synchronously (no
 * promise, no turn of the event loop), and counter keys are built once per distinct value and window.
 */
export class TokenLimitPolicy implements RequestPolicy {
  readonly name = "token-limits";
  private readonly keyCaches: Map<string, { index: number; key: string }>[];

  constructor(
    private readonly routeKey: string,
    /** Public for the console, which lists the rules and quotas the served routes count. */
    readonly setup: TokenLimitSetup,
  ) {
    this.keyCaches = setup.rateRules.map(() => new Map());
  }

  admit(ctx: AdmissionContext): void | Promise<void> {
    const now = Date.now();
    // The call carries what selectors read (headers, model, client address).
    const input: SelectorInput = ctx.call;
    const rate: Counter<RateLimitRule>[] = [];
    const localChecks: Counter<RateLimitRule>[] = [];
    const sharedChecks: Counter[] = [];
    const rules = this.setup.rateRules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const distinct = rule.select(input);
      if (distinct === undefined) continue;
      const window = windowIndex(rule.windowMs, now);
      const checks = rule.local ? localChecks : sharedChecks;
      const counter: Counter<RateLimitRule> = {
        rule,
        distinct,
        key: this.keyOf(i, rule, distinct, window),
        limit: rule.limit,
        windowEndMs: (window + 1) * rule.windowMs,
        cost: rule.requestCost.from === "Number" ? rule.requestCost.number : 0,
        enforce: true,
        index: checks.length,
      };
      rate.push(counter);
      checks.push(counter);
    }
    const quotas =
      this.setup.quotas.size === 0 ? NO_QUOTAS : quotaCounters(ctx, this.setup.quotas, now, sharedChecks);
    const decision: LimitDecision = { rate, quotas };
    const local = localChecks.length > 0 ? this.setup.stores.local.check(localChecks) : undefined;
    if (local && !local.allowed) {
      // The shared counters were not asked: only the local ones are in the record.
      ctx.record.limits = limitRecords(decision, local, undefined);
      throw refusal(localChecks[local.refusedIndex]!, now);
    }
    if (sharedChecks.length === 0) return this.decide(ctx, { decision, now, local, sharedChecks });
    let shared: CheckResult | Promise<CheckResult>;
    try {
      shared = this.setup.stores.shared.check(sharedChecks);
    } catch (err) {
      throw this.storeFailed(ctx, decision, local, err);
    }
    if (shared instanceof Promise) {
      return shared.then(
        (result) => this.decide(ctx, { decision, now, local, shared: result, sharedChecks }),
        (err: unknown) => {
          throw this.storeFailed(ctx, decision, local, err);
        },
      );
    }
    return this.decide(ctx, { decision, now, local, shared, sharedChecks });
  }

  settle(ctx: AdmissionContext, record: RequestRecord): void {
    const decision = ctx.limits;
    if (!decision) return;
    const local: BucketCharge[] = [];
    const shared: BucketCharge[] = [];
    for (const counter of decision.rate) {
      const amount = costOf(counter.rule.responseCost, record.costs);
      if (amount <= 0) continue;
      const charge = { key: counter.key, amount, windowEndMs: counter.windowEndMs };
      (counter.rule.local ? local : shared).push(charge);
    }
    const served = record.backend === undefined ? undefined : decision.quotas.get(record.backend);
    if (served && (record.status < 300 || record.usage.totalTokens > 0)) {
      for (const { set, counters } of served) {
        const amount = set.cost({
          model: record.requestModel ?? ctx.call.model,
          backend: record.backend ?? "",
          route_name: this.routeKey,
          usage: record.usage,
        });
        if (amount <= 0) continue;
        for (const c of counters) shared.push({ key: c.key, amount, windowEndMs: c.windowEndMs });
      }
    }
    if (local.length > 0) this.setup.stores.local.charge(local);
    if (shared.length > 0) this.setup.stores.shared.charge(shared);
  }

  /** The shared store could not be asked (failing closed): its counters are recorded as unknown. */
  private storeFailed(
    ctx: AdmissionContext,
    decision: LimitDecision,
    local: CheckResult | undefined,
    err: unknown,
  ): unknown {
    this.giveBack(decision, local, undefined);
    ctx.record.limits = limitRecords(decision, local, UNREAD);
    return unavailable(err);
  }

  /**
   * A request refused after its checks added their request costs (by the other store, the admission
   * estimate, or spent quotas) gives them back: a refused request costs nothing.
   */
  private giveBack(
    decision: LimitDecision,
    local: CheckResult | undefined,
    shared: CheckResult | undefined,
  ): void {
    const back = (store: CounterStore, result: CheckResult | undefined, isLocal: boolean): void => {
      if (!result?.allowed || result.degraded) return;
      const refunds: BucketCharge[] = [];
      for (const c of decision.rate) {
        if (c.rule.local === isLocal && c.cost > 0) {
          refunds.push({ key: c.key, amount: -c.cost, windowEndMs: c.windowEndMs });
        }
      }
      if (refunds.length > 0) store.charge(refunds);
    };
    back(this.setup.stores.local, local, true);
    back(this.setup.stores.shared, shared, false);
  }

  /** The counter key of a rule's bucket in a window, built once per distinct value and window. */
  private keyOf(ruleIndex: number, rule: RateLimitRule, distinct: string, window: number): string {
    const cache = this.keyCaches[ruleIndex]!;
    const cached = cache.get(distinct);
    if (cached !== undefined && cached.index === window) return cached.key;
    const key = `${rule.keyPrefix}${rule.shared ? "*" : this.routeKey}:${distinct}:${window}`;
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(distinct, { index: window, key });
    return key;
  }

  /**
   * After the counters are read: a shared refusal answers 429, quota-spent backends leave the
   * candidates (all spent: 429), the admission estimate may refuse, and the answer gets the
   * x-ratelimit-* headers of the bucket closest to exhaustion. A degraded store (Redis down, failing
   * open) knows nothing: admitted as it is.
   */
  private decide(ctx: AdmissionContext, readings: Readings): void {
    try {
      this.admitOrRefuse(ctx, readings);
    } catch (err) {
      this.giveBack(readings.decision, readings.local, readings.shared);
      throw err;
    }
    // Only an admitted request is charged when it is done.
    ctx.limits = readings.decision;
  }

  private admitOrRefuse(ctx: AdmissionContext, readings: Readings): void {
    const { decision, now, local, shared, sharedChecks } = readings;
    // Recorded before anything may refuse: every throw below leaves the record complete.
    const records = limitRecords(decision, local, shared);
    ctx.record.limits = records;
    if (shared?.degraded) return;
    if (shared && !shared.allowed) throw refusal(sharedChecks[shared.refusedIndex]!, now);
    const usedOf = (c: Counter): number =>
      ((c.rule as RateLimitRule).local ? local : shared)?.used[c.index] ?? 0;
    let tightest: Counter | undefined;
    let tightestUsed = 0;
    const consider = (c: Counter, used: number): void => {
      if (!tightest || remainingShare(c.limit, used) < remainingShare(tightest.limit, tightestUsed)) {
        tightest = c;
        tightestUsed = used;
      }
    };
    for (const c of decision.rate) consider(c, usedOf(c));
    if (decision.quotas.size > 0) this.excludeSpentBackends(ctx, decision, shared, now, consider);
    const estimate = this.setup.estimate;
    if (estimate) {
      for (let i = 0; i < decision.rate.length; i++) {
        const c = decision.rate[i]!;
        const cost = estimateCost(estimate, c.rule.responseCost, ctx);
        const left = Math.max(0, c.limit - usedOf(c));
        if (cost > 0 && cost > left) {
          // Every rate counter was read here (a local refusal never gets this far), so the records
          // begin with them in order.
          records[i]!.outcome = "refused";
          const message = `${c.rule.id}: this request would need about ${cost} of the ${left} left in its window`;
          const headers = rateLimitHeaders(c.limit, left, c.windowEndMs, now, true);
          throw new GatewayError(
            429,
            "TooManyRequests",
            message,
            "rate_limited",
            "rate_limit_exceeded",
            headers,
          );
        }
      }
    }
    if (tightest) {
      const remaining = Math.max(0, tightest.limit - tightestUsed);
      ctx.call.responseHeaders = rateLimitHeaders(
        tightest.limit,
        remaining,
        tightest.windowEndMs,
        now,
        false,
      );
    }
  }

  /** A backend with a spent (enforced) quota bucket is not tried for this request; none left: 429. */
  private excludeSpentBackends(
    ctx: AdmissionContext,
    decision: LimitDecision,
    shared: CheckResult | undefined,
    now: number,
    consider: (c: Counter, used: number) => void,
  ): void {
    let spent: Counter | undefined;
    const excluded = new Set<string>();
    for (const [backend, sets] of decision.quotas) {
      for (const { counters } of sets) {
        for (const c of counters) {
          if (c.rule.shadow) continue;
          const used = shared?.used[c.index] ?? 0;
          if (used >= c.limit) {
            excluded.add(backend);
            spent ??= c;
          } else consider(c, used);
        }
      }
    }
    if (!spent) return;
    const all = ctx.rule.tiers.every((tier) => tier.every((ref) => excluded.has(ref.backend.key)));
    if (all) throw quotaRefusal(spent, now);
    ctx.call.excludedBackends = excluded;
  }
}

/** The quota counters of every backend of the rule (checked with cost 0: the store never refuses them). */
function quotaCounters(
  ctx: AdmissionContext,
  quotas: ReadonlyMap<string, BackendQuotas>,
  now: number,
  checks: Counter[],
): Map<string, BackendCounters> {
  const out = new Map<string, BackendCounters>();
  for (const tier of ctx.rule.tiers) {
    for (const ref of tier) {
      const backendQuotas = quotas.get(ref.backend.key);
      if (!backendQuotas || out.has(ref.backend.key)) continue;
      const model = ref.modelNameOverride ?? ctx.call.model;
      const sets: { set: QuotaSet; counters: Counter[] }[] = [];
      for (const set of [backendQuotas.perModel.get(model), backendQuotas.service]) {
        if (!set) continue;
        const counters: Counter[] = [];
        for (const rule of set.rules) {
          const distinct = rule.select(ctx.call);
          if (distinct === undefined) continue;
          const window = windowIndex(rule.windowMs, now);
          const counter: Counter = {
            rule,
            distinct,
            key: `${rule.keyPrefix}${distinct}:${window}`,
            limit: rule.limit,
            windowEndMs: (window + 1) * rule.windowMs,
            cost: 0,
            enforce: false,
            index: checks.length,
          };
          counters.push(counter);
          checks.push(counter);
        }
        if (counters.length > 0) sets.push({ set, counters });
      }
      if (sets.length > 0) out.set(ref.backend.key, sets);
    }
  }
  return out;
}

/** What a store that could not be asked answered: nothing (failing closed, like failing open). */
const UNREAD: CheckResult = { allowed: true, refusedIndex: -1, used: [], degraded: true };

/**
 * One record per counter read: the rate counters of each store that answered, in rule order, then
 * (when the shared store answered) the quota counters, backend by backend. A spent counter refused
 * (a shadow one only would have); an admitted check's reading includes its request cost.
 */
function limitRecords(
  decision: LimitDecision,
  local: CheckResult | undefined,
  shared: CheckResult | undefined,
): LimitRecord[] {
  const out: LimitRecord[] = [];
  for (const c of decision.rate) {
    const result = c.rule.local ? local : shared;
    if (result) out.push(limitRecord(c, "rate_limit", result));
  }
  if (shared) {
    for (const sets of decision.quotas.values()) {
      for (const { counters } of sets) for (const c of counters) out.push(limitRecord(c, "quota", shared));
    }
  }
  return out;
}

function limitRecord(c: Counter, kind: LimitRecord["kind"], result: CheckResult): LimitRecord {
  const record: LimitRecord = {
    rule: c.rule.id,
    kind,
    bucket: bucketName(c.distinct, c.rule.credentialBucket),
    limit: c.limit,
    used: 0,
    remaining: c.limit,
    outcome: "unknown",
    windowEndMs: c.windowEndMs,
  };
  setCounterKey(record, c.key);
  if (result.degraded) return record;
  const read = result.used[c.index] ?? 0;
  const used = result.allowed ? read - c.cost : read;
  record.used = used;
  record.remaining = Math.max(0, c.limit - read);
  record.outcome = !isSpent(used, c.cost, c.limit) ? "allowed" : c.rule.shadow ? "shadow_refused" : "refused";
  return record;
}

function remainingShare(limit: number, used: number): number {
  return limit <= 0 ? 0 : (limit - used) / limit;
}

/** The x-ratelimit-* headers (and retry-after on a refusal). */
export function rateLimitHeaders(
  limit: number,
  remaining: number,
  windowEndMs: number,
  now: number,
  refused: boolean,
): Record<string, string> {
  const reset = String(Math.max(1, Math.ceil((windowEndMs - now) / 1000)));
  const headers: Record<string, string> = {
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(Math.floor(remaining)),
    "x-ratelimit-reset": reset,
  };
  if (refused) headers["retry-after"] = reset;
  return headers;
}

function refusal(counter: Counter, now: number): GatewayError {
  const rule = counter.rule;
  const message = `rate limit exceeded: ${rule.id} (limit ${rule.limit} per ${windowName(rule.windowMs)})`;
  const headers = rateLimitHeaders(rule.limit, 0, counter.windowEndMs, now, true);
  return new GatewayError(429, "TooManyRequests", message, "rate_limited", "rate_limit_exceeded", headers);
}

function quotaRefusal(counter: Counter, now: number): GatewayError {
  const rule = counter.rule;
  const message = `quota exceeded: ${rule.id} (limit ${rule.limit} per ${windowName(rule.windowMs)})`;
  const headers = rateLimitHeaders(rule.limit, 0, counter.windowEndMs, now, true);
  return new GatewayError(429, "TooManyRequests", message, "quota_exceeded", "rate_limit_exceeded", headers);
}

function unavailable(err: unknown): unknown {
  if (!(err instanceof CounterStoreUnavailableError)) return err;
  return new GatewayError(
    503,
    "ServiceUnavailable",
    "rate limit store unavailable",
    "limit_store_unavailable",
  );
}

const WINDOW_NAMES: Readonly<Record<number, string>> = {
  1000: "second",
  60000: "minute",
  3600000: "hour",
  86400000: "day",
  2592000000: "month (30 days)",
  31536000000: "year (365 days)",
};

function windowName(ms: number): string {
  return WINDOW_NAMES[ms] ?? `${ms} ms`;
}
