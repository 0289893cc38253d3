import type { RequestRecord } from "../gateway/request-record.js";
import { LogHistogram, quantileMs } from "./log-histogram.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** 6 hours of minute slots: the console's minute buckets go up to 6 hour ranges. */
const MINUTE_SLOTS = 360;
/** 30 days of hour slots: its longest range. */
const HOUR_SLOTS = 720;

/** Overhead percentiles per bucket of a range; null where the process served nothing. */
export interface OverheadPercentiles {
  p50_ms: (number | null)[];
  p99_ms: (number | null)[];
}

/**
 * One resolution of the series: slot `i` holds the period whose number (epoch ms / periodMs) is
 * `periods[i]`, reused (cleared) when a later period of the same `i` comes: memory is fixed.
 */
class SlotRing {
  private readonly slots: (LogHistogram | undefined)[];
  private readonly periods: Float64Array;

  constructor(
    private readonly size: number,
    readonly periodMs: number,
  ) {
    this.slots = new Array(size).fill(undefined);
    this.periods = new Float64Array(size).fill(-1);
  }

  record(epochMs: number, overheadMs: number): void {
    const period = Math.floor(epochMs / this.periodMs);
    const i = period % this.size;
    let slot = this.slots[i];
    if (slot === undefined) {
      slot = new LogHistogram();
      this.slots[i] = slot;
    } else if (this.periods[i] !== period) {
      // An older period than one still held is not worth a slot: it is the previous lap's.
      if (this.periods[i]! > period) return;
      slot.clear();
    }
    this.periods[i] = period;
    slot.record(overheadMs);
  }

  /** Adds the slots of every period that starts in [fromMs, toMs) to `into`. */
  mergeInto(into: LogHistogram, fromMs: number, toMs: number): void {
    const first = Math.ceil(fromMs / this.periodMs);
    const end = Math.ceil(toMs / this.periodMs);
    for (let period = Math.max(first, end - this.size); period < end; period++) {
      const i = period % this.size;
      if (this.periods[i] === period) into.merge(this.slots[i]!);
    }
  }
}

/**
 * The gateway's own time per routed request (its duration less the time in upstream attempts, as
 * aigw_overhead_seconds counts it), kept in memory since the process started, for the console's
 * overview: minute slots for 6 hours and hour slots for 30 days. observe() is O(1) and allocates only
 * when a slot is first used.
 */
export class OverheadSeries {
  private readonly minutes = new SlotRing(MINUTE_SLOTS, MINUTE_MS);
  private readonly hours = new SlotRing(HOUR_SLOTS, HOUR_MS);

  /** One finished request; `endEpochMs` is when it finished (it is counted at its start, as the ledger is). */
  observe(record: RequestRecord, endEpochMs: number): void {
    if (record.route === undefined) return;
    let upstreamMs = 0;
    const attempts = record.attempts;
    for (let i = 0; i < attempts.length; i++) upstreamMs += attempts[i]!.durationMs;
    const overheadMs = Math.max(0, record.durationMs - upstreamMs);
    const startEpochMs = endEpochMs - record.durationMs;
    this.minutes.record(startEpochMs, overheadMs);
    this.hours.record(startEpochMs, overheadMs);
  }

  /**
   * p50 and p99 per bucket of [fromMs, toMs): bucket i covers [fromMs + i * bucketMs, + bucketMs).
   * Buckets that are whole hours read hour slots, others minute slots (gone after 6 hours: null); a
   * bucket of several slots merges them.
   */
  series(fromMs: number, toMs: number, bucketMs: number): OverheadPercentiles {
    const out: OverheadPercentiles = { p50_ms: [], p99_ms: [] };
    if (!(bucketMs > 0) || !(toMs > fromMs)) return out;
    const ring = bucketMs % HOUR_MS === 0 ? this.hours : this.minutes;
    const merged = new LogHistogram();
    for (let start = fromMs; start < toMs; start += bucketMs) {
      merged.clear();
      ring.mergeInto(merged, start, start + bucketMs);
      out.p50_ms.push(quantileMs(merged, 0.5));
      out.p99_ms.push(quantileMs(merged, 0.99));
    }
    return out;
  }
}
