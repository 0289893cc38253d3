import type {
  BucketCharge,
  BucketCheck,
  CheckResult,
  LocalCounterStore,
  PeekResult,
} from "./counter-store.js";

/** How often counters whose window is over are swept out, so many distinct keys do not pile up. */
const SWEEP_INTERVAL_MS = 60_000;

export interface MemoryCounterStoreOptions {
  /** The clock (tests move it); Date.now by default. */
  readonly now?: () => number;
  /** Between two sweeps of forgotten counters (tests shorten it). */
  readonly sweepIntervalMs?: number;
}

/** One counter: mutated in place, so a check that charges allocates nothing but its result. */
interface Counter {
  used: number;
  readonly windowEndMs: number;
}

/**
 * Counters in this process: exact within it (a check runs to its end before any other), shared with
 * no one. A counter is forgotten once its window is over: on its next access, or by the sweep.
 */
export class MemoryCounterStore implements LocalCounterStore {
  private readonly counters = new Map<string, Counter>();
  private readonly now: () => number;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
    // The sweep only bounds memory: it must not keep a process alive that has nothing else to do.
    this.sweepTimer.unref();
  }

  /** How many counters are held (forgotten ones included until they are swept or read). */
  get size(): number {
    return this.counters.size;
  }

  check(buckets: readonly BucketCheck[]): CheckResult {
    const now = this.now();
    const used: number[] = [];
    let refusedIndex = -1;
    for (let i = 0; i < buckets.length; i++) {
      const bucket = buckets[i]!;
      const current = this.read(bucket.key, now);
      used.push(current);
      if (refusedIndex === -1 && bucket.enforce && isSpent(current, bucket.cost, bucket.limit))
        refusedIndex = i;
    }
    if (refusedIndex !== -1) return { allowed: false, refusedIndex, used, degraded: false };
    for (let i = 0; i < buckets.length; i++) {
      const bucket = buckets[i]!;
      if (bucket.cost > 0) used[i] = this.add(bucket.key, bucket.cost, bucket.windowEndMs, now);
    }
    return { allowed: true, refusedIndex: -1, used, degraded: false };
  }

  charge(charges: readonly BucketCharge[]): void {
    const now = this.now();
    for (const c of charges) {
      // A request that ends after its window charges a counter no check will read again.
      if (c.amount === 0 || c.windowEndMs <= now) continue;
      // A give-back (negative) only undoes a cost added to a counter that still exists.
      if (c.amount < 0 && !this.counters.has(c.key)) continue;
      this.add(c.key, c.amount, c.windowEndMs, now);
    }
  }

  peek(keys: readonly string[]): PeekResult {
    const now = this.now();
    // Unlike read(), a counter whose window is over is left for the sweep: peeking changes nothing.
    const values = keys.map((key) => {
      const counter = this.counters.get(key);
      return counter !== undefined && counter.windowEndMs > now ? counter.used : 0;
    });
    return { values, degraded: false };
  }

  close(): Promise<void> {
    clearInterval(this.sweepTimer);
    return Promise.resolve();
  }

  private read(key: string, now: number): number {
    const counter = this.counters.get(key);
    if (counter === undefined) return 0;
    if (counter.windowEndMs > now) return counter.used;
    this.counters.delete(key);
    return 0;
  }

  private add(key: string, amount: number, windowEndMs: number, now: number): number {
    let counter = this.counters.get(key);
    if (counter === undefined || counter.windowEndMs <= now) {
      counter = { used: 0, windowEndMs };
      this.counters.set(key, counter);
    }
    counter.used += amount;
    return counter.used;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, counter] of this.counters) {
      if (counter.windowEndMs <= now) this.counters.delete(key);
    }
  }
}

/**
 * Envoy's rate-limit service's rule: a check that costs nothing (a token limit, charged after the
 * answer) is refused once the bucket is used up; one that costs something is refused when that cost
 * would take the bucket over its limit.
 */
export function isSpent(used: number, cost: number, limit: number): boolean {
  return cost > 0 ? used + cost > limit : used >= limit;
}
