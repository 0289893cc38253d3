import { JSON_TYPE } from "../gateway/send-response.js";
import type { CounterStore } from "../limits/counter-store.js";
import type { LimitStores } from "../limits/token-limit-policy.js";
import { errorAnswer } from "../usage/usage-api.js";
import { parseLimit, refuseUnknown, UsageParameterError } from "../usage/usage-parameters.js";
import { isoTimestamp } from "../util/iso-timestamp.js";
import type { ConsoleHandler } from "./console-handler.js";
import type { LimitsView, SeenBucket } from "./limits-view.js";
import type { ServedLimitRule } from "./served-limit-rules.js";

export interface LimitsHandlerDeps {
  /** The served configuration's rules and quotas, read at each call (a reload changes them). */
  readonly rules: () => readonly ServedLimitRule[];
  readonly view: LimitsView;
  /** The gateway's own stores: `used` is what the policy reads (in Redis, every replica's spending). */
  readonly stores: LimitStores;
}

const DEFAULT_TOP = 10;
const MAX_TOP = 100;

/**
 * `GET /console/api/limits` (docs/console.md): every rule and quota of the served configuration with
 * its `top` buckets by what their counters hold now. The view says which buckets exist; the stores
 * say how much each has used, one peek per store for the whole answer. A store that cannot be read
 * (Redis down) leaves each bucket at the last value known, marked `stale`.
 */
export function limitsHandler(deps: LimitsHandlerDeps): ConsoleHandler {
  return async (request) => {
    if (request.subpath !== "") return errorAnswer(404, "not_found", "no such console endpoint");
    let top: number;
    try {
      refuseUnknown(request.query, ["top"]);
      top = parseLimit(request.query, DEFAULT_TOP, MAX_TOP, "top");
    } catch (err) {
      if (!(err instanceof UsageParameterError)) throw err;
      return errorAnswer(400, "invalid_parameter", err.message, err.param);
    }
    const now = request.nowMs;
    const rules = deps.rules();
    const seen = rules.map((served) => deps.view.seen(served.rule.id, served.rule.keyPrefix, now));
    const stale = await peekAll(
      rules.map((served) => storeOf(served, deps.stores)),
      seen,
    );
    const body = JSON.stringify({
      rules: rules.map((served, i) => ruleJson(served, seen[i]!, stale, top, now)),
    });
    return { status: 200, contentType: JSON_TYPE, body };
  };
}

/** `top`: a whole number from 1 to MAX_TOP. */

/** Where the policy counts a rule: `type: Local` rate limits in this process, the rest in the shared store. */
function storeOf(served: ServedLimitRule, stores: LimitStores): CounterStore {
  return served.kind === "rate_limit" && served.rule.local ? stores.local : stores.shared;
}

/**
 * Reads every seen bucket's counter, one peek per store (the embedded default's two are one), and
 * writes the values into the buckets. Returns the buckets whose store could not be read.
 */
async function peekAll(
  stores: readonly CounterStore[],
  seen: readonly (readonly SeenBucket[])[],
): Promise<ReadonlySet<SeenBucket>> {
  const byStore = new Map<CounterStore, SeenBucket[]>();
  for (let i = 0; i < stores.length; i++) {
    const store = stores[i]!;
    const buckets = byStore.get(store);
    if (buckets === undefined) byStore.set(store, [...seen[i]!]);
    else buckets.push(...seen[i]!);
  }
  const stale = new Set<SeenBucket>();
  await Promise.all(
    [...byStore].map(async ([store, buckets]) => {
      if (buckets.length === 0) return;
      const read = await store.peek(buckets.map((b) => b.key));
      buckets.forEach((bucket, i) => {
        if (read.degraded) stale.add(bucket);
        else bucket.used = read.values[i] ?? 0;
      });
    }),
  );
  return stale;
}

function ruleJson(
  served: ServedLimitRule,
  seen: readonly SeenBucket[],
  stale: ReadonlySet<SeenBucket>,
  top: number,
  now: number,
): Record<string, unknown> {
  const rule = served.rule;
  // A rule that is not `shared` has a counter per route: its buckets say which.
  const perRoute = served.kind === "rate_limit" && !served.rule.shared;
  const buckets = [...seen]
    .sort((a, b) => b.used - a.used || compare(a.bucket, b.bucket) || compare(a.route ?? "", b.route ?? ""))
    .slice(0, top)
    .map((b) => ({
      bucket: b.bucket,
      route: perRoute ? (b.route ?? null) : null,
      used: b.used,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - b.used),
      window_end: isoTimestamp(b.windowEndMs),
      resets_in_seconds: Math.ceil((b.windowEndMs - now) / 1000),
      stale: stale.has(b),
    }));
  return {
    rule: rule.id,
    kind: served.kind,
    backend: served.kind === "quota" ? served.backend : null,
    limit: rule.limit,
    window_seconds: rule.windowMs / 1000,
    shadow: rule.shadow,
    distinct: rule.distinct,
    buckets,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
