/** Bucket bounds grow by this ratio: a quantile is off by at most sqrt(RATIO) - 1 (under 5%). */
const RATIO = 1.1;
const LOG_RATIO = Math.log(RATIO);
/** 10 µs: below it every value is one bucket (the gateway's clock says little about less). */
const MIN_MS = 0.01;
/** 10 min: a longer duration is counted in the last bucket. */
const MAX_MS = 600_000;
/** Bucket 0 holds values below MIN_MS; bucket i >= 1 holds [MIN_MS * RATIO^(i-1), MIN_MS * RATIO^i). */
const BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_RATIO) + 2;

/**
 * The largest relative error of `quantile()` for values from 10 µs to 10 min: a quantile is reported
 * as the geometric middle of its bucket, at most a factor sqrt(1.1) from any value in it.
 */
export const QUANTILE_RELATIVE_ERROR = Math.sqrt(RATIO) - 1;

/**
 * Durations (ms) in log-spaced buckets, for percentiles of many observations in a fixed ~760 bytes:
 * recording is one logarithm and one increment, and histograms merge by adding counts (a minute's
 * into an hour's, five minutes into a window). The counts are allocated on the first value, so an
 * empty slot of a ring costs a few fields.
 */
export class LogHistogram {
  /** Values recorded. */
  count = 0;
  private counts: Uint32Array | undefined;
  /** The exact extremes: a quantile is never reported outside them. */
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  /** Counts one duration; a negative one counts as 0, one that is not a number is ignored. */
  record(ms: number): void {
    if (Number.isNaN(ms)) return;
    const value = Math.max(ms, 0);
    this.counts ??= new Uint32Array(BUCKETS);
    this.counts[bucketOf(value)]! += 1;
    this.count += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /**
   * The value below which a fraction `q` (0..1) of the recorded ones lie (the nearest-rank
   * definition), within QUANTILE_RELATIVE_ERROR; undefined when nothing was recorded.
   */
  quantile(q: number): number | undefined {
    const counts = this.counts;
    if (counts === undefined || this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (rank >= this.count) return this.max;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, middleOf(i)));
    }
    return this.max;
  }

  /** Adds another histogram's values to this one. */
  merge(other: LogHistogram): void {
    const theirs = other.counts;
    if (theirs === undefined || other.count === 0) return;
    this.counts ??= new Uint32Array(BUCKETS);
    const counts = this.counts;
    for (let i = 0; i < BUCKETS; i++) counts[i]! += theirs[i]!;
    this.count += other.count;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Empties the histogram for reuse (a ring slot starting a new minute), keeping its array. */
  clear(): void {
    this.counts?.fill(0);
    this.count = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }
}

/** A quantile in ms for an answer: three significant digits (the histogram is only that exact), null when empty. */
export function quantileMs(histogram: LogHistogram, q: number): number | null {
  const ms = histogram.quantile(q);
  return ms === undefined ? null : Number(ms.toPrecision(3));
}

function bucketOf(ms: number): number {
  if (ms < MIN_MS) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log(ms / MIN_MS) / LOG_RATIO) + 1);
}

/** The geometric middle of bucket i (0 for the bucket below MIN_MS: clamped to the minimum seen). */
function middleOf(i: number): number {
  if (i === 0) return 0;
  return MIN_MS * RATIO ** (i - 0.5);
}
