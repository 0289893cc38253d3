import type { AttemptRecord, RequestRecord } from "../gateway/request-record.js";
import { LogHistogram } from "./log-histogram.js";

const MINUTE_MS = 60_000;
/** The console's window: this minute and the four before it. */
export const WINDOW_MINUTES = 5;

/** Counts of one backend over some time. */
export interface AttemptCounts {
  attempts: number;
  errors: number;
  failovers: number;
}

/** One minute of one backend's attempts. */
class MinuteSlot implements AttemptCounts {
  minute = -1;
  attempts = 0;
  errors = 0;
  failovers = 0;
  readonly latency = new LogHistogram();
  readonly ttft = new LogHistogram();

  reset(minute: number): void {
    this.minute = minute;
    this.attempts = 0;
    this.errors = 0;
    this.failovers = 0;
    this.latency.clear();
    this.ttft.clear();
  }
}

/** One backend's (or pool endpoint's) attempts: since the start, and per minute in a ring. */
class BackendCounters {
  readonly sinceStart: AttemptCounts = { attempts: 0, errors: 0, failovers: 0 };
  readonly slots: MinuteSlot[] = [];

  /** The slot of `minute`, started over when it held an older one; undefined for a minute already gone. */
  slotOf(minute: number): MinuteSlot | undefined {
    const i = minute % WINDOW_MINUTES;
    let slot = this.slots[i];
    if (slot === undefined) {
      slot = new MinuteSlot();
      this.slots[i] = slot;
    }
    if (slot.minute === minute) return slot;
    if (slot.minute > minute) return undefined;
    slot.reset(minute);
    return slot;
  }
}

/** What the console shows of one backend for the window. */
export interface WindowStats extends AttemptCounts {
  latency: LogHistogram;
  ttft: LogHistogram;
}

/**
 * Per backend (by the attempt's "namespace/name"; a pool endpoint by its "namespace/pool@ip:port"):
 * attempts, failed attempts (a transport error, a timeout, a 5xx or a 429), failovers (an attempt
 * after which the request went on to another backend), attempt latency and time to first token, per
 * minute for the last five minutes and, for the counts, since the start. observe() is O(attempts),
 * allocating only for a backend's first minutes; retainOnly() forgets backends a reload removed.
 */
export class BackendStats {
  private readonly byBackend = new Map<string, BackendCounters>();

  /** `now`: the wall clock (epoch ms) that puts attempts in minutes; tests pass a fixed one. */
  constructor(private readonly now: () => number = Date.now) {}

  /** One finished request: each of its attempts; `nowMs` when the caller has read the clock already. */
  observe(record: RequestRecord, nowMs?: number): void {
    const attempts = record.attempts;
    if (attempts.length === 0) return;
    const minute = Math.floor((nowMs ?? this.now()) / MINUTE_MS);
    const last = attempts.length - 1;
    // The time before the answering attempt (reading the body, limits, earlier attempts and the
    // waits between them) is not its backend's: its TTFT is counted from its own start, about.
    let beforeLast = 0;
    for (let i = 0; i < last; i++) beforeLast += attempts[i]!.durationMs;
    for (let i = 0; i <= last; i++) {
      const attempt = attempts[i]!;
      const counters = this.countersOf(attempt.backend);
      const slot = counters.slotOf(minute);
      const failed = attemptFailed(attempt);
      const failover = i < last && attempts[i + 1]!.backend !== attempt.backend;
      count(counters.sinceStart, failed, failover);
      if (slot === undefined) continue;
      count(slot, failed, failover);
      slot.latency.record(attempt.durationMs);
      // The answering attempt of a stream: the time its first byte reached the client.
      if (i === last && record.stream && record.timeToFirstByteMs !== undefined) {
        slot.ttft.record(Math.max(0, record.timeToFirstByteMs - beforeLast));
      }
    }
  }

  /** Counts since the start; zeros for a backend without attempts. */
  sinceStart(backend: string): AttemptCounts {
    return { ...(this.byBackend.get(backend)?.sinceStart ?? { attempts: 0, errors: 0, failovers: 0 }) };
  }

  /** The last five minutes' slots merged (zeros and empty histograms without attempts). */
  window(backend: string): WindowStats {
    const out: WindowStats = {
      attempts: 0,
      errors: 0,
      failovers: 0,
      latency: new LogHistogram(),
      ttft: new LogHistogram(),
    };
    const counters = this.byBackend.get(backend);
    if (!counters) return out;
    const minute = Math.floor(this.now() / MINUTE_MS);
    for (const slot of counters.slots) {
      if (slot === undefined || slot.minute <= minute - WINDOW_MINUTES || slot.minute > minute) continue;
      out.attempts += slot.attempts;
      out.errors += slot.errors;
      out.failovers += slot.failovers;
      out.latency.merge(slot.latency);
      out.ttft.merge(slot.ttft);
    }
    return out;
  }

  /** Forgets backends no longer configured (after a reload), so their state cannot grow without bound. */
  retainOnly(backends: Iterable<string>): void {
    const keep = new Set(backends);
    for (const key of this.byBackend.keys()) if (!keep.has(key)) this.byBackend.delete(key);
  }

  private countersOf(backend: string): BackendCounters {
    let counters = this.byBackend.get(backend);
    if (!counters) {
      counters = new BackendCounters();
      this.byBackend.set(backend, counters);
    }
    return counters;
  }
}

/** As docs/console.md counts failures: the backend did not answer, or answered 5xx or 429. */
function attemptFailed(attempt: AttemptRecord): boolean {
  return (
    attempt.error !== undefined || attempt.status === 0 || attempt.status >= 500 || attempt.status === 429
  );
}

function count(into: AttemptCounts, failed: boolean, failover: boolean): void {
  into.attempts += 1;
  if (failed) into.errors += 1;
  if (failover) into.failovers += 1;
}
