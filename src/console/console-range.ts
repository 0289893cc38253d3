import { parseTimeRange, single, UsageParameterError } from "../usage/usage-parameters.js";
import type { RollupGrain, RollupQuery } from "../usage/usage-rollup.js";
import { isoTimestamp } from "../util/iso-timestamp.js";

/** A console answer's range, aligned to the rollups' buckets. */
export interface ConsoleRange {
  /** The first bucket's start (epoch ms). */
  readonly fromMs: number;
  /** The end of the last bucket (epoch ms, exclusive). */
  readonly toMs: number;
  readonly bucketMs: number;
  readonly grain: RollupGrain;
  /** The number of buckets from `fromMs` to `toMs`. */
  readonly buckets: number;
  /** What the answer states it covers: `from` and `to` (the latter now when the last bucket is still going). */
  readonly from: string;
  readonly to: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The longest range a minute's buckets serve; longer ones are summed by the hour. */
const MINUTE_BUCKETS_UP_TO_MS = 6 * HOUR_MS;
/**
 * The longest range answered: its plots hold a value per hour (9,600 here), and a mistyped year
 * must not make the gateway build millions of them.
 */
const MAX_RANGE_MS = 400 * DAY_MS;

/** `range=` values: how far back from now each goes. */
const RANGES: Readonly<Record<string, number>> = {
  "1h": HOUR_MS,
  "24h": DAY_MS,
  "7d": 7 * DAY_MS,
  "30d": 30 * DAY_MS,
};
const DEFAULT_RANGE = "24h";

/**
 * `range=1h|24h|7d|30d` (default 24h, ending now) or `from`/`to` as the usage API takes them, not
 * both. `from` is rounded down to its bucket and `to` up; a `to` whose bucket is still going is
 * stated as now, since no record is newer.
 */
export function parseConsoleRange(params: URLSearchParams, nowMs: number): ConsoleRange {
  const rangeText = single(params, "range");
  let fromMs: number;
  let toMs: number;
  if (rangeText !== undefined || (!params.has("from") && !params.has("to"))) {
    if (params.has("from") || params.has("to")) {
      throw new UsageParameterError("range", "give either range or from and to, not both");
    }
    const name = rangeText ?? DEFAULT_RANGE;
    // Own keys only: "constructor" or "__proto__" are keys of every object.
    const span = Object.hasOwn(RANGES, name) ? RANGES[name] : undefined;
    if (span === undefined) {
      throw new UsageParameterError("range", `expected 1h, 24h, 7d or 30d, got "${rangeText}"`);
    }
    fromMs = nowMs - span;
    toMs = nowMs;
  } else {
    const range = parseTimeRange(params, nowMs);
    fromMs = Date.parse(range.from);
    toMs = Date.parse(range.to);
    if (toMs - fromMs > MAX_RANGE_MS) {
      throw new UsageParameterError("from", `the range is longer than ${MAX_RANGE_MS / DAY_MS} days`);
    }
  }
  const minutes = toMs - fromMs <= MINUTE_BUCKETS_UP_TO_MS;
  const bucketMs = minutes ? MINUTE_MS : HOUR_MS;
  const alignedFrom = Math.floor(fromMs / bucketMs) * bucketMs;
  const alignedTo = Math.ceil(toMs / bucketMs) * bucketMs;
  const statedTo = toMs <= nowMs && alignedTo > nowMs ? nowMs : alignedTo;
  return {
    fromMs: alignedFrom,
    toMs: alignedTo,
    bucketMs,
    grain: minutes ? "minute" : "hour",
    buckets: (alignedTo - alignedFrom) / bucketMs,
    from: isoTimestamp(alignedFrom),
    to: isoTimestamp(statedTo),
  };
}

/** The rollup query of a range's buckets. */
export function rollupQuery(range: ConsoleRange): RollupQuery {
  return { grain: range.grain, from: range.from, to: isoTimestamp(range.toMs) };
}

/** The buckets' starts as the plots take them: epoch seconds. */
export function bucketTimes(range: ConsoleRange): number[] {
  return Array.from({ length: range.buckets }, (_, i) => (range.fromMs + i * range.bucketMs) / 1000);
}

/**
 * Finds which of the range's buckets a rollup row's bucket start is. The starts' texts are looked
 * up, not parsed: an answer reads one per rollup row, a hundred thousand for 30 days. A row of no
 * bucket asked for is the source's bug, and fails the answer.
 */
export function bucketIndexer(range: ConsoleRange): (bucket: string) => number {
  const indexes = new Map<string, number>();
  for (let i = 0; i < range.buckets; i++) indexes.set(isoTimestamp(range.fromMs + i * range.bucketMs), i);
  return (bucket) => {
    const index = indexes.get(bucket);
    if (index === undefined)
      throw new Error(`the rollups answered a bucket outside the range asked for: ${bucket}`);
    return index;
  };
}
