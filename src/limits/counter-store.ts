/**
 * Where token-limit counters live: in this process (the embedded default) or in Redis (shared by
 * replicas). A counter is one fixed window of one bucket; its key names the window (the caller puts
 * the window's start in it), so a new window starts from zero by itself and the store only has to
 * forget a counter once its window is over (`windowEndMs`).
 */

/** One bucket a request is checked against. */
export interface BucketCheck {
  /** The counter's key, window included (e.g. "aigw:rl:default/policy:0:default/route:tenant-a:1733097600"). */
  readonly key: string;
  /** The limit of the window. */
  readonly limit: number;
  /** Epoch ms at which the window ends; the counter may be forgotten after it. */
  readonly windowEndMs: number;
  /** Added to the counter when the request is admitted (cost.request); usually 0. A whole number. */
  readonly cost: number;
  /** false for shadow-mode buckets: counted and reported, never a reason to refuse. */
  readonly enforce: boolean;
}

/** What a check found. `used` is per bucket, in the order given, after the admitted request's cost. */
export interface CheckResult {
  readonly allowed: boolean;
  /** Index of the first enforced bucket that refused, when `allowed` is false. */
  readonly refusedIndex: number;
  readonly used: readonly number[];
  /** The store could not be asked (Redis down) and the check failed open: nothing is known. */
  readonly degraded: boolean;
}

/** What a peek read: each counter's value, in the order asked. */
export interface PeekResult {
  /** 0 for a counter not held (never charged, or its window is over). */
  readonly values: readonly number[];
  /** The store could not be read (Redis down): `values` are all 0 and mean nothing. */
  readonly degraded: boolean;
}

/** A charge after the answer: the real cost of one bucket. */
export interface BucketCharge {
  readonly key: string;
  readonly amount: number;
  readonly windowEndMs: number;
}

export interface CounterStore {
  /**
   * Atomically over all buckets: refuses when any enforced bucket is spent (cost 0: used >= limit;
   * cost > 0: used + cost > limit) and then changes nothing; otherwise adds each bucket's cost.
   * The keys of one check are distinct. Synchronous for the in-process store; a promise for a
   * remote one, which rejects with CounterStoreUnavailableError only when it fails closed.
   */
  check(buckets: readonly BucketCheck[]): CheckResult | Promise<CheckResult>;
  /**
   * Adds the amounts (whole numbers, only to windows not over yet; a negative amount gives back a
   * request cost whose request was refused after its check, to a counter that exists); never
   * throws, never waits for the caller.
   */
  charge(charges: readonly BucketCharge[]): void;
  /**
   * The counters' current values, changing nothing (no expiry, no charge): the console reads them
   * to show what each bucket has spent. Never rejects: an unreadable store answers `degraded`.
   */
  peek(keys: readonly string[]): PeekResult | Promise<PeekResult>;
  /** Stops timers and connections; charges a remote store could not deliver yet are lost. */
  close(): Promise<void>;
}

/** A remote store is unreachable and the gateway is configured to fail closed: answered 503. */
export class CounterStoreUnavailableError extends Error {}

/** The in-process store: its check never waits (`type: Local` limits and the embedded default). */
export interface LocalCounterStore extends CounterStore {
  check(buckets: readonly BucketCheck[]): CheckResult;
  peek(keys: readonly string[]): PeekResult;
}
