import type { Redis } from "ioredis";
import {
  type BucketCharge,
  type BucketCheck,
  type CheckResult,
  type CounterStore,
  CounterStoreUnavailableError,
  type PeekResult,
} from "./counter-store.js";
import { PendingCharges } from "./pending-charges.js";
import {
  CHARGE_SCRIPT,
  CHECK_SCRIPT,
  chargeArguments,
  checkArguments,
  type ScriptArguments,
} from "./redis-counter-scripts.js";

export interface RedisCounterStoreOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://...` for TLS (system CAs, NODE_EXTRA_CA_CERTS). */
  readonly url: string;
  /** While Redis is unreachable: admit requests unchecked ("open", the default) or refuse them ("closed"). */
  readonly failMode?: "open" | "closed";
  /** Hears one line when an outage starts and one when it ends. */
  readonly log?: (line: string) => void;
  /** How long one command may take before Redis counts as unreachable (default 500 ms). */
  readonly commandTimeoutMs?: number;
  /** Distinct counters whose charges are kept while Redis is down (default 10,000). */
  readonly maxPendingKeys?: number;
}

/** The client with the scripts ioredis `defineCommand` added to it. */
type ScriptedRedis = Redis & {
  aigwCheck(...args: ScriptArguments): Promise<number[]>;
  aigwCharge(...args: ScriptArguments): Promise<number>;
};

/** Pending charges are flushed in scripts of this many keys, so no one script blocks Redis long. */
const FLUSH_BATCH = 1_000;
/**
 * Charges wait at most this long for the next check to carry them (then they go on their own): one
 * command per request instead of two, and charges to the same counter are summed meanwhile.
 */
const CHARGE_DELAY_MS = 5;
/** Distinct counters charged within one delay; a burst beyond is sent at once rather than dropped. */
const MAX_BATCHED_KEYS = 10_000;
/** Keys per MGET of a peek: a console reading thousands of buckets never blocks Redis with one command. */
const PEEK_BATCH = 1_000;

/**
 * Counters in Redis, shared by every replica of the gateway. A check is one Lua script over all of
 * a request's buckets (atomic, see redis-counter-scripts.ts); the checks of one event-loop turn
 * share one script call, and the charges of finished answers ride on the next one (or go alone after
 * 5 ms). Requests never queue behind each other: ioredis pipelines commands on its connection.
 *
 * Outages: commands fail at once while disconnected (no offline queue) and after `commandTimeoutMs`
 * when Redis does not answer, so a request is never held longer than that. The store then fails
 * open (admits, `degraded`) or closed (CounterStoreUnavailableError), logs one line when the outage
 * starts and one when it ends, reconnects by itself (at most 2 s between attempts), and keeps the
 * charges it could not send (summed per counter, bounded) to send them once Redis is back. A charge
 * whose command timed out may have reached Redis anyway and is then counted twice: over-counting a
 * budget after an outage is preferred to losing what was spent.
 *
 * ioredis is imported when the first store is made, so a gateway without Redis never loads it
 * (about 100 ms of start-up).
 */
export class RedisCounterStore implements CounterStore {
  /** Undefined until ioredis is loaded. */
  private redis: ScriptedRedis | undefined;
  private readonly failMode: "open" | "closed";
  private readonly log: (line: string) => void;
  private readonly pending: PendingCharges;
  /** Charges of finished answers on their way: sent with the next check, or after CHARGE_DELAY_MS. */
  private readonly outgoing = new PendingCharges(MAX_BATCHED_KEYS);
  private chargeTimer: NodeJS.Timeout | undefined;
  /** Checks of this event-loop turn, sent together when it ends (sendBatch). */
  private batch: {
    readonly buckets: readonly BucketCheck[];
    readonly resolve: (result: CheckResult) => void;
    readonly reject: (err: unknown) => void;
  }[] = [];
  /**
   * "starting" until the first connection succeeds or fails: checks wait for that (loading ioredis,
   * then at most `commandTimeoutMs`) rather than fail on a connection that is still being made.
   */
  private state: "starting" | "up" | "down" = "starting";
  private readonly started: Promise<void>;
  private endStarting: () => void = () => {};
  private startTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(options: RedisCounterStoreOptions) {
    this.failMode = options.failMode ?? "open";
    this.log = options.log ?? (() => {});
    this.pending = new PendingCharges(options.maxPendingKeys ?? 10_000);
    this.started = new Promise((resolve) => {
      this.endStarting = resolve;
    });
    // A URL ioredis cannot parse throws in connect(): that, too, is an outage (logged), not a crash.
    import("ioredis")
      .then((ioredis) => this.connect(ioredis.Redis, options))
      .catch((err: unknown) => this.markDown(reasonOf(err)));
  }

  check(buckets: readonly BucketCheck[]): Promise<CheckResult> {
    if (this.state === "starting") return this.started.then(() => this.ask(buckets));
    return this.ask(buckets);
  }

  charge(charges: readonly BucketCharge[]): void {
    const now = Date.now();
    // A window that is over is never read again (the next window has another key).
    const live = charges.filter((charge) => charge.amount !== 0 && charge.windowEndMs > now);
    if (live.length === 0) return;
    if (this.redis?.status !== "ready") {
      this.pending.add(live);
      return;
    }
    if (this.outgoing.size + live.length > MAX_BATCHED_KEYS) this.flushOutgoing();
    this.outgoing.add(live);
    this.chargeTimer ??= setTimeout(this.flushOutgoing, CHARGE_DELAY_MS);
  }

  /**
   * One MGET per PEEK_BATCH keys, all written at once (pipelined on the connection). Read-only: a
   * failed read answers `degraded` and leaves the outage bookkeeping to the checks. Charges of this
   * process still waiting for their CHARGE_DELAY_MS are not in the values yet.
   */
  async peek(keys: readonly string[]): Promise<PeekResult> {
    if (this.state === "starting") await this.started;
    const redis = this.redis;
    if (keys.length === 0) return { values: [], degraded: false };
    if (redis?.status !== "ready") return unread(keys.length);
    const batches: Promise<(string | null)[]>[] = [];
    for (let i = 0; i < keys.length; i += PEEK_BATCH) batches.push(redis.mget(keys.slice(i, i + PEEK_BATCH)));
    try {
      const replies = await Promise.all(batches);
      return { values: replies.flat().map((value) => Number(value ?? 0)), degraded: false };
    } catch {
      return unread(keys.length);
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.startTimer);
    this.endStarting();
    this.flushOutgoing();
    const redis = this.redis;
    if (redis?.status === "ready") {
      // Auto-pipelined commands are written on the next macrotask; QUIT is not pipelined, so let
      // those go first. QUIT then waits for their answers (bounded by the command timeout).
      await new Promise((resolve) => setImmediate(resolve));
      await redis.quit().catch(() => undefined);
    }
    redis?.disconnect();
    if (this.pending.size > 0) {
      this.log(`aigw: redis store closed with the charges of ${this.pending.size} counters unsent`);
    }
  }

  private connect(Client: typeof Redis, options: RedisCounterStoreOptions): void {
    if (this.closing) return;
    const commandTimeout = options.commandTimeoutMs ?? 500;
    this.startTimer = setTimeout(
      () => this.markDown(`no connection within ${commandTimeout} ms`),
      commandTimeout,
    );
    this.startTimer.unref();
    const redis = new Client(options.url, {
      // The store batches the checks of each event-loop turn itself (sendBatch, at the end of the
      // turn). ioredis's auto-pipelining would defer that one write to yet another setImmediate,
      // a whole extra turn of the loop for every request: measured 0.7 -> 0.9 x the throughput
      // without limits once it was off (BENCHMARKS.md). Commands still never wait for each other.
      enableAutoPipelining: false,
      enableOfflineQueue: false,
      commandTimeout,
      connectTimeout: 2_000,
      // A command in flight when the connection drops fails at once instead of being resent later.
      maxRetriesPerRequest: 0,
      // Forever, and never more than 2 s apart: usable again within ~2 s of Redis coming back.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    redis.defineCommand("aigwCheck", { lua: CHECK_SCRIPT });
    redis.defineCommand("aigwCharge", { lua: CHARGE_SCRIPT });
    // A listener on 'error' also keeps ioredis from printing every failed reconnection attempt.
    redis.on("error", (err: unknown) => this.markDown(reasonOf(err)));
    redis.on("close", () => this.markDown("connection closed"));
    redis.on("ready", () => this.markUp());
    this.redis = redis as ScriptedRedis;
  }

  private ask(buckets: readonly BucketCheck[]): Promise<CheckResult> {
    if (this.redis?.status !== "ready") {
      this.markDown("not connected");
      return this.unreachable(buckets.length, "not connected");
    }
    return new Promise((resolve, reject) => {
      this.batch.push({ buckets, resolve, reject });
      if (this.batch.length === 1) setImmediate(this.sendBatch);
    });
  }

  /**
   * The checks of one event-loop turn (every request whose body arrived in it) go out as one script:
   * one command, one round trip and one reply for all of them, each request still checked atomically
   * and in order. The charges waiting go first, in the same script, so these checks see them.
   */
  private readonly sendBatch = (): void => {
    const batch = this.batch;
    this.batch = [];
    const redis = this.redis;
    if (redis?.status !== "ready") {
      this.markDown("not connected");
      for (const item of batch)
        this.unreachable(item.buckets.length, "not connected").then(item.resolve, item.reject);
      return;
    }
    const charges = this.takeOutgoing();
    const requests = batch.map((item) => item.buckets);
    redis.aigwCheck(...checkArguments(requests, charges)).then(
      (reply) => {
        if (this.state !== "up") this.markUp();
        let at = 0;
        for (const item of batch) {
          const n = item.buckets.length;
          const refusedIndex = reply[at]!;
          const used = reply.slice(at + 1, at + 1 + n);
          at += 1 + n;
          item.resolve({ allowed: refusedIndex < 0, refusedIndex, used, degraded: false });
        }
      },
      (err: unknown) => {
        const reason = reasonOf(err);
        this.markDown(reason);
        this.pending.add(charges);
        this.reconnectIfHung(redis, err);
        for (const item of batch)
          this.unreachable(item.buckets.length, reason).then(item.resolve, item.reject);
      },
    );
  };

  /**
   * A Redis that stopped answering (paused, partitioned) keeps its TCP connection "ready", so every
   * check would wait the whole command timeout. A timeout therefore drops the connection and
   * reconnects: while that fails or hangs, commands fail at once (no offline queue).
   */
  private reconnectIfHung(redis: ScriptedRedis, err: unknown): void {
    if (redis.status === "ready" && /timed out/i.test(reasonOf(err))) redis.disconnect(true);
  }

  private takeOutgoing(): readonly BucketCharge[] {
    if (this.chargeTimer === undefined) return NO_CHARGES;
    clearTimeout(this.chargeTimer);
    this.chargeTimer = undefined;
    return this.outgoing.take(Date.now());
  }

  /** No check came within CHARGE_DELAY_MS (or the batch is full, or the store closes): send alone. */
  private readonly flushOutgoing = (): void => {
    const charges = this.takeOutgoing();
    if (charges.length > 0) this.send(charges);
  };

  private unreachable(buckets: number, reason: string): Promise<CheckResult> {
    if (this.failMode === "closed") {
      return Promise.reject(new CounterStoreUnavailableError(`redis unreachable (${reason})`));
    }
    const used = new Array<number>(buckets).fill(0);
    return Promise.resolve({ allowed: true, refusedIndex: -1, used, degraded: true });
  }

  private send(charges: readonly BucketCharge[]): void {
    const redis = this.redis;
    if (redis?.status !== "ready") {
      this.pending.add(charges);
      return;
    }
    redis.aigwCharge(...chargeArguments(charges)).catch((err: unknown) => {
      this.markDown(reasonOf(err));
      this.pending.add(charges);
      this.reconnectIfHung(redis, err);
    });
  }

  private markDown(reason: string): void {
    if (this.closing || this.state === "down") return;
    this.state = "down";
    clearTimeout(this.startTimer);
    this.endStarting();
    this.log(`aigw: redis unreachable (${reason}): failing ${this.failMode}`);
  }

  /** Connected (or a command succeeded): log the recovery once and send what waited. */
  private markUp(): void {
    if (this.closing || this.state === "up") return;
    const recovering = this.state === "down";
    this.state = "up";
    clearTimeout(this.startTimer);
    this.endStarting();
    const waiting = this.pending.take(Date.now());
    const dropped = this.pending.takeDropped();
    if (recovering) this.log(recoveryLine(waiting.length, dropped, this.pending.maxKeys));
    for (let i = 0; i < waiting.length; i += FLUSH_BATCH) this.send(waiting.slice(i, i + FLUSH_BATCH));
  }
}

const NO_CHARGES: readonly BucketCharge[] = Object.freeze([]);

function unread(keys: number): PeekResult {
  return { values: new Array<number>(keys).fill(0), degraded: true };
}

function recoveryLine(flushed: number, dropped: number, maxKeys: number): string {
  let line = "aigw: redis reachable again";
  if (flushed > 0) line += `; sending the charges of ${flushed} counters made during the outage`;
  if (dropped > 0) line += `; ${dropped} charges were dropped (more than ${maxKeys} counters waiting)`;
  return line;
}

/** A readable reason: Node's connection errors can have an empty message (AggregateError) but a code. */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message || (err as NodeJS.ErrnoException).code || err.name;
}
