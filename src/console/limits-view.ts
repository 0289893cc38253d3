import type { RequestRecord } from "../gateway/request-record.js";
import { counterKeyOf } from "../limits/counter-key-of.js";

/** A rule's bucket seen in its current window: what the console needs to read its counter again. */
export interface SeenBucket {
  /** The counter's store key, as the policy checked it (it may hold raw client values: never shown). */
  readonly key: string;
  /** As the decision record names it (a `sha256:` digest for a rule that selects on a credential). */
  readonly bucket: string;
  /** The route the request came by: a rule that is not `shared` counts each route apart. */
  readonly route: string | undefined;
  readonly windowEndMs: number;
  /** The last value known: the records' readings, then every peek that could read the store. */
  used: number;
}

export interface LimitsViewOptions {
  /** Buckets remembered per rule; past it the least recently seen is forgotten (default 10,000). */
  readonly maxKeysPerRule?: number;
  /** The clock (tests move it); Date.now by default. */
  readonly now?: () => number;
  /** Between two sweeps of buckets whose window is over (default a minute). */
  readonly sweepIntervalMs?: number;
}

const DEFAULT_MAX_KEYS_PER_RULE = 10_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/**
 * Which buckets of each rate-limit rule and quota have been used in their current window, learnt from
 * the finished requests' decision records (the stores cannot list their keys: Redis would need a
 * SCAN over every replica's counters). It keeps only what reading the counter again needs, never
 * the counts themselves as truth: the console peeks at the store. Memory is bounded per rule (the
 * least recently seen bucket goes first, so busy buckets stay) and buckets are forgotten once their
 * window is over (keys name their window, so the next window is a new bucket).
 */
export class LimitsView {
  /** By rule id; each map in least-recently-seen-first order. */
  private readonly byRule = new Map<string, Map<string, SeenBucket>>();
  private readonly maxKeysPerRule: number;
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;
  private nextSweepMs: number;

  constructor(options: LimitsViewOptions = {}) {
    this.maxKeysPerRule = options.maxKeysPerRule ?? DEFAULT_MAX_KEYS_PER_RULE;
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.nextSweepMs = this.now() + this.sweepIntervalMs;
  }

  /** Called once per finished request: O(its limit records), no allocation for a bucket already known. */
  observe(record: RequestRecord): void {
    const limits = record.limits;
    if (limits === undefined) return;
    const now = this.now();
    // Rules that no request touches any more (renamed by a reload, say) are emptied here too.
    if (now >= this.nextSweepMs) this.sweep(now);
    for (const limit of limits) {
      const key = counterKeyOf(limit);
      const windowEndMs = limit.windowEndMs;
      if (key === undefined || windowEndMs === undefined || windowEndMs <= now) continue;
      // A store that could not be read reported 0: it says nothing of the counter.
      const used = limit.outcome === "unknown" ? 0 : limit.used;
      let buckets = this.byRule.get(limit.rule);
      if (buckets === undefined) {
        buckets = new Map();
        this.byRule.set(limit.rule, buckets);
      }
      const known = buckets.get(key);
      if (known !== undefined) {
        // Moved to the end: the map's first entry is always the least recently seen.
        buckets.delete(key);
        // Records of concurrent requests arrive out of order; a counter only grows within its window.
        known.used = Math.max(known.used, used);
        buckets.set(key, known);
        continue;
      }
      if (buckets.size >= this.maxKeysPerRule) makeRoom(buckets, now, this.maxKeysPerRule);
      buckets.set(key, { key, bucket: limit.bucket, route: record.route, windowEndMs, used });
    }
  }

  /**
   * The buckets of rule `ruleId` whose window is not over at `nowMs`. `keyPrefix` picks one of the
   * rules sharing an id: a QuotaPolicy aimed at two backends has the same ids for both.
   */
  seen(ruleId: string, keyPrefix: string, nowMs: number): SeenBucket[] {
    const buckets = this.byRule.get(ruleId);
    if (buckets === undefined) return [];
    const out: SeenBucket[] = [];
    for (const bucket of buckets.values()) {
      if (bucket.windowEndMs > nowMs && bucket.key.startsWith(keyPrefix)) out.push(bucket);
    }
    return out;
  }

  /** How many buckets are remembered, every rule together (for tests of the bounds). */
  get size(): number {
    let size = 0;
    for (const buckets of this.byRule.values()) size += buckets.size;
    return size;
  }

  private sweep(now: number): void {
    this.nextSweepMs = now + this.sweepIntervalMs;
    for (const [rule, buckets] of this.byRule) {
      forgetEnded(buckets, now);
      if (buckets.size === 0) this.byRule.delete(rule);
    }
  }
}

/**
 * A full rule makes room from the front, where the least recently seen buckets are (and so the ended
 * windows, mostly): O(1) per new bucket even while a flood of distinct clients keeps it full. Ended
 * windows elsewhere wait for the sweep.
 */
function makeRoom(buckets: Map<string, SeenBucket>, now: number, max: number): void {
  for (const [key, bucket] of buckets) {
    if (buckets.size < max && bucket.windowEndMs > now) return;
    buckets.delete(key);
  }
}

function forgetEnded(buckets: Map<string, SeenBucket>, now: number): void {
  for (const [key, bucket] of buckets) if (bucket.windowEndMs <= now) buckets.delete(key);
}
