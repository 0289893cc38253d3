import { GatewayError } from "../gateway/gateway-error.js";
import type { AdmissionContext, RequestPolicy } from "../gateway/request-policy.js";
import type { RequestRecord } from "../gateway/request-record.js";
import { type AdmissionEstimate, estimateCost } from "./admission-estimate.js";
import type { SelectorInput } from "./client-selector.js";
import type { BackendQuotas, QuotaSet } from "./compile-quota-policies.js";
import {
  type BucketCharge,
  type BucketCheck,
  type CheckResult,
  type CounterStore,
  CounterStoreUnavailableError,
  type LocalCounterStore,
} from "./counter-store.js";
import { windowAt } from "./fixed-window.js";
import { costOf, type LimitRule, type RateLimitRule } from "./rate-limit-rule.js";

/** The stores a route's limits count in: `local` is always this process; `shared` may be Redis. */
export interface LimitStores {
  readonly local: LocalCounterStore;
  readonly shared: CounterStore;
}

/** One counter a request touches. */
interface Touched {
  readonly rule: LimitRule;
  readonly key: string;
  readonly windowEndMs: number;
}

/** What admit decided, kept for settle and for the answer's headers. */
export interface LimitDecision {
  readonly rate: readonly (Touched & { rule: RateLimitRule })[];
  /** By backend key: the quota counters of that backend (charged if it serves the request). */
  readonly quotas: ReadonlyMap<string, { sets: { set: QuotaSet; touched: Touched[] }[] }>;
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
 */
export class TokenLimitPolicy implements RequestPolicy {
  readonly name = "token-limits";

  constructor(
    private readonly routeKey: string,
    private readonly setup: TokenLimitSetup,
  ) {}

  admit(ctx: AdmissionContext): void | Promise<void> {
    const now = Date.now();
    const input: SelectorInput = {
      headers: ctx.call.headers,
      model: ctx.call.model,
      clientAddress: ctx.call.clientAddress,
    };
    const rate: (Touched & { rule: RateLimitRule })[] = [];
    const localChecks: BucketCheck[] = [];
    const sharedChecks: BucketCheck[] = [];
    const localRules: RateLimitRule[] = [];
    const sharedRules: RateLimitRule[] = [];
    for (const rule of this.setup.rateRules) {
      const distinct = rule.select(input);
      if (distinct === undefined) continue;
      const window = windowAt(rule.windowMs, now);
      const key = `${rule.keyPrefix}${rule.shared ? "*" : this.routeKey}:${distinct}:${window.index}`;
      const cost = rule.requestCost.from === "Number" ? rule.requestCost.number : 0;
      const check: BucketCheck = { key, limit: rule.limit, windowEndMs: window.endMs, cost, enforce: true };
      rate.push({ rule, key, windowEndMs: window.endMs });
      (rule.local ? localChecks : sharedChecks).push(check);
      (rule.local ? localRules : sharedRules).push(rule);
    }
    const quotas = this.quotaCounters(ctx, input, now, sharedChecks);
    const decision: LimitDecision = { rate, quotas };
    ctx.limits = decision;
    const local = localChecks.length > 0 ? this.setup.stores.local.check(localChecks) : undefined;
    if (local && !local.allowed) throw refusal(localRules[local.refusedIndex]!, localChecks, local, now);
    if (sharedChecks.length === 0) return this.decide(ctx, now, localChecks, local, [], undefined);
    let shared: CheckResult | Promise<CheckResult>;
    try {
      shared = this.setup.stores.shared.check(sharedChecks);
    } catch (err) {
      throw unavailable(err);
    }
    if (shared instanceof Promise) {
      return shared.then(
        (result) => this.decide(ctx, now, localChecks, local, sharedChecks, result, sharedRules),
        (err: unknown) => {
          throw unavailable(err);
        },
      );
    }
    return this.decide(ctx, now, localChecks, local, sharedChecks, shared, sharedRules);
  }

  settle(ctx: AdmissionContext, record: RequestRecord): void {
    const decision = ctx.limits;
    if (!decision) return;
    const local: BucketCharge[] = [];
    const shared: BucketCharge[] = [];
    for (const touched of decision.rate) {
      const amount = costOf(touched.rule.responseCost, record.costs);
      if (amount > 0) {
        const charge = { key: touched.key, amount, windowEndMs: touched.windowEndMs };
        (touched.rule.local ? local : shared).push(charge);
      }
    }
    const served = record.backend === undefined ? undefined : decision.quotas.get(record.backend);
    if (served && (record.status < 300 || record.usage.totalTokens > 0)) {
      for (const { set, touched } of served.sets) {
        const amount = set.cost({
          model: record.requestModel ?? ctx.call.model,
          backend: record.backend ?? "",
          route_name: this.routeKey,
          usage: record.usage,
        });
        if (amount <= 0) continue;
        for (const t of touched) shared.push({ key: t.key, amount, windowEndMs: t.windowEndMs });
      }
    }
    if (local.length > 0) this.setup.stores.local.charge(local);
    if (shared.length > 0) this.setup.stores.shared.charge(shared);
  }

  /** The quota counters of every backend of the rule (checked with cost 0, never refused by the store). */
  private quotaCounters(
    ctx: AdmissionContext,
    input: SelectorInput,
    now: number,
    checks: BucketCheck[],
  ): Map<string, { sets: { set: QuotaSet; touched: Touched[] }[] }> {
    const out = new Map<string, { sets: { set: QuotaSet; touched: Touched[] }[] }>();
    if (this.setup.quotas.size === 0) return out;
    for (const tier of ctx.rule.tiers) {
      for (const ref of tier) {
        const quotas = this.setup.quotas.get(ref.backend.key);
        if (!quotas || out.has(ref.backend.key)) continue;
        const model = ref.modelNameOverride ?? ctx.call.model;
        const sets: { set: QuotaSet; touched: Touched[] }[] = [];
        for (const set of [quotas.perModel.get(model), quotas.service]) {
          if (!set) continue;
          const touched: Touched[] = [];
          for (const rule of set.rules) {
            const distinct = rule.select(input);
            if (distinct === undefined) continue;
            const window = windowAt(rule.windowMs, now);
            const key = `${rule.keyPrefix}${distinct}:${window.index}`;
            touched.push({ rule, key, windowEndMs: window.endMs });
            checks.push({ key, limit: rule.limit, windowEndMs: window.endMs, cost: 0, enforce: false });
          }
          if (touched.length > 0) sets.push({ set, touched });
        }
        if (sets.length > 0) out.set(ref.backend.key, { sets });
      }
    }
    return out;
  }

  /**
   * After the counters are read: quota-spent backends leave the candidates (all spent: 429), the
   * admission estimate may refuse, and the answer gets the x-ratelimit-* headers of the bucket
   * closest to exhaustion.
   */
  private decide(
    ctx: AdmissionContext,
    now: number,
    localChecks: readonly BucketCheck[],
    local: CheckResult | undefined,
    sharedChecks: readonly BucketCheck[],
    shared: CheckResult | undefined,
    sharedRules: readonly RateLimitRule[] = [],
  ): void {
    if (shared?.degraded) return;
    if (shared && !shared.allowed) {
      const rule = sharedRules[shared.refusedIndex];
      if (rule) throw refusal(rule, sharedChecks, shared, now);
    }
    const used = new Map<string, number>();
    for (const [i, c] of localChecks.entries()) used.set(c.key, local?.used[i] ?? 0);
    for (const [i, c] of sharedChecks.entries()) used.set(c.key, shared?.used[i] ?? 0);
    const decision = ctx.limits!;
    let tightest: { rule: LimitRule; used: number; windowEndMs: number } | undefined;
    const consider = (rule: LimitRule, key: string, windowEndMs: number): void => {
      const u = used.get(key) ?? 0;
      if (!tightest || remainingShare(rule, u) < remainingShare(tightest.rule, tightest.used)) {
        tightest = { rule, used: u, windowEndMs };
      }
    };
    for (const t of decision.rate) consider(t.rule, t.key, t.windowEndMs);
    // Quotas: a backend with a spent (enforced) bucket is not tried for this request.
    let spent: { rule: LimitRule; windowEndMs: number } | undefined;
    const excluded = new Set<string>();
    for (const [backend, { sets }] of decision.quotas) {
      for (const { touched } of sets) {
        for (const t of touched) {
          if (t.rule.shadow) continue;
          if ((used.get(t.key) ?? 0) >= t.rule.limit) {
            excluded.add(backend);
            spent ??= { rule: t.rule, windowEndMs: t.windowEndMs };
          } else consider(t.rule, t.key, t.windowEndMs);
        }
      }
    }
    if (excluded.size > 0) {
      const all = ctx.rule.tiers.every((tier) => tier.every((ref) => excluded.has(ref.backend.key)));
      if (all && spent) throw quotaRefusal(spent.rule, spent.windowEndMs, now);
      ctx.call.excludedBackends = excluded;
    }
    const estimate = this.setup.estimate;
    if (estimate) {
      for (const t of decision.rate) {
        const cost = estimateCost(estimate, t.rule.responseCost, ctx);
        const u = used.get(t.key) ?? 0;
        if (cost > 0 && u + cost > t.rule.limit) {
          throw new GatewayError(
            429,
            "TooManyRequests",
            `${t.rule.id}: this request would need about ${cost} of the ${Math.max(0, t.rule.limit - u)} left in its window`,
            "rate_limited",
            "rate_limit_exceeded",
            rateLimitHeaders(t.rule.limit, Math.max(0, t.rule.limit - u), t.windowEndMs, now, true),
          );
        }
      }
    }
    if (tightest) {
      const remaining = Math.max(0, tightest.rule.limit - tightest.used);
      ctx.call.responseHeaders = rateLimitHeaders(
        tightest.rule.limit,
        remaining,
        tightest.windowEndMs,
        now,
        false,
      );
    }
  }
}

function remainingShare(rule: LimitRule, used: number): number {
  return rule.limit <= 0 ? 0 : (rule.limit - used) / rule.limit;
}

function resetSeconds(windowEndMs: number, now: number): number {
  return Math.max(1, Math.ceil((windowEndMs - now) / 1000));
}

/** The x-ratelimit-* headers (and retry-after on a refusal). */
export function rateLimitHeaders(
  limit: number,
  remaining: number,
  windowEndMs: number,
  now: number,
  refused: boolean,
): Record<string, string> {
  const reset = String(resetSeconds(windowEndMs, now));
  const headers: Record<string, string> = {
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(Math.floor(remaining)),
    "x-ratelimit-reset": reset,
  };
  if (refused) headers["retry-after"] = reset;
  return headers;
}

function refusal(
  rule: RateLimitRule,
  checks: readonly BucketCheck[],
  result: CheckResult,
  now: number,
): GatewayError {
  const check = checks[result.refusedIndex]!;
  const message = `rate limit exceeded: ${rule.id} (limit ${rule.limit} per ${windowName(rule.windowMs)})`;
  return new GatewayError(
    429,
    "TooManyRequests",
    message,
    "rate_limited",
    "rate_limit_exceeded",
    rateLimitHeaders(rule.limit, 0, check.windowEndMs, now, true),
  );
}

function quotaRefusal(rule: LimitRule, windowEndMs: number, now: number): GatewayError {
  const message = `quota exceeded: ${rule.id} (limit ${rule.limit} per ${windowName(rule.windowMs)})`;
  return new GatewayError(
    429,
    "TooManyRequests",
    message,
    "quota_exceeded",
    "rate_limit_exceeded",
    rateLimitHeaders(rule.limit, 0, windowEndMs, now, true),
  );
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

const WINDOW_NAMES: Record<number, string> = {
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
