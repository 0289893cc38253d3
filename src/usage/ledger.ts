import { setImmediate as nextTurn } from "node:timers/promises";
import type { RequestRecord } from "../gateway/request-record.js";
import { belongsInLedger, type LedgerRow, toLedgerRow } from "./ledger-row.js";
import type { LedgerSpill } from "./ledger-spill.js";
import type { LedgerPageQuery, LedgerStore } from "./ledger-store.js";
import type { RollupQuery, RollupRow } from "./usage-rollup.js";

export interface LedgerSettings {
  /** Rows written together, in one transaction; a full batch is written at once (default 500). */
  readonly batchSize: number;
  /** How long a row waits at most for its batch to fill (default 1 s). */
  readonly flushIntervalMs: number;
  /** Rows kept in memory while the database is unreachable; beyond, they are spilled (default 10,000). */
  readonly maxBufferedRows: number;
  /** First and longest pause between attempts while the database is unreachable (200 ms, 5 s). */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

export const DEFAULT_LEDGER_SETTINGS: LedgerSettings = {
  batchSize: 500,
  flushIntervalMs: 1_000,
  maxBufferedRows: 10_000,
  retryMinMs: 200,
  retryMaxMs: 5_000,
};

/**
 * The usage ledger: one durable row for every request that reached routing, written off the
 * request path. `record` (once per request) builds the row and queues it: no promise, no timer of
 * its own. Rows go out in batches, when `batchSize` are waiting or `flushIntervalMs` after the
 * first of a batch (one timer per batch).
 *
 * When a write fails, its rows go back to the front of the queue, one line is logged, and the write
 * is retried with exponential back-off while new rows keep queueing. Past `maxBufferedRows` the
 * older rows are spilled to a file (LedgerSpill), which is replayed once a write succeeds again,
 * and at the next start. `close` writes what it can before its deadline and spills the rest. Every
 * write is idempotent by id, so a batch retried after a failure that did reach the database, or a
 * spilled batch whose write completed after all, is written exactly once.
 */
export class Ledger {
  private queue: LedgerRow[] = [];
  /** Rows ever queued, and rows that left the queue (written, being written, or spilled). */
  private enqueued = 0;
  private dequeued = 0;
  /** Rows queued before this count are written without waiting for a full batch. */
  private flushUpTo = 0;
  /** The batch on its way to the database. */
  private inFlight: readonly LedgerRow[] | undefined;
  private pumping: Promise<void> | undefined;
  /** The batch timer, or while the database is unreachable, the retry timer. */
  private timer: NodeJS.Timeout | undefined;
  /** The last write failed; rows queue (and spill) until a retry succeeds. */
  private down = false;
  private failures = 0;
  /** Failed writes since the start, for aigw_ledger_write_failures_total. */
  private writeFailures = 0;
  /** Spill files may wait to be written: at start, after a spill, after a replay that failed. */
  private replayNeeded = true;
  private replaying: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly store: LedgerStore,
    private readonly spill: LedgerSpill,
    readonly settings: LedgerSettings,
    private readonly log: (line: string) => void,
  ) {
    // Reach the database at once (PostgreSQL: create or migrate the schema), then replay what an
    // earlier run spilled. Unreachable: the gateway serves anyway and this is retried.
    store.open().then(
      () => this.onSuccess(),
      (err: unknown) => this.onFailure(err),
    );
  }

  /** What /metrics shows: records waiting in memory (queued or being written), and failed writes. */
  stats(): { queued: number; writeFailures: number } {
    return { queued: this.queue.length + (this.inFlight?.length ?? 0), writeFailures: this.writeFailures };
  }

  /** Queues the ledger row of a finished request that belongs in the ledger. Once per request. */
  record(record: RequestRecord, startEpochMs: number): void {
    if (!belongsInLedger(record)) return;
    this.queue.push(toLedgerRow(record, startEpochMs));
    this.enqueued += 1;
    if (this.down) {
      if (this.queue.length > this.settings.maxBufferedRows) this.spillOlder();
      return;
    }
    if (this.pumping) return;
    if (this.queue.length >= this.settings.batchSize) {
      this.clearTimer();
      void this.pump();
      return;
    }
    this.scheduleBatch();
  }

  /**
   * Writes what is queued now without waiting for its batch to fill, for a reader that must see
   * this process's own records. Resolves when it is written, when the database turns out to be
   * unreachable, or after `maxWaitMs`, whichever comes first.
   */
  async flush(maxWaitMs: number): Promise<void> {
    if (this.down || this.closing) return;
    this.flushUpTo = this.enqueued;
    this.clearTimer();
    await withDeadline(this.pump(), maxWaitMs);
  }

  /** One page of records, newest first (see LedgerStore.page). */
  page(query: LedgerPageQuery): Promise<LedgerRow[]> {
    return this.store.page(query);
  }

  /**
   * The rollup rows of a range (see LedgerStore.rollup). No flush first, unlike the usage API: the
   * ledger writes within its flush interval by itself, and a console that polls sees them then.
   */
  rollup(query: RollupQuery): Promise<RollupRow[]> {
    return this.store.rollup(query);
  }

  /**
   * Writes everything queued, at once even while the database seemed unreachable, for up to
   * `timeoutMs`; what is not written by then is spilled, to be written at the next start. Then the
   * store is closed. Called once the requests are over; a second call gets the first one's promise.
   */
  close(timeoutMs: number): Promise<void> {
    this.closing ??= this.shutDown(timeoutMs);
    return this.closing;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.clearTimer();
    this.flushUpTo = this.enqueued;
    await withDeadline(this.pump(), timeoutMs);
    // A batch still in flight at the deadline is spilled too: should it land after all, its replay
    // writes nothing twice.
    const left = [...(this.inFlight ?? []), ...this.queue];
    this.queue = [];
    if (left.length > 0) {
      await this.spill.write(left).then(
        (file) =>
          this.log(
            `aigw: ledger: ${left.length} records not written at shutdown, kept in ${file} for the next start`,
          ),
        (err: unknown) => this.log(`aigw: ledger: ${left.length} records lost at shutdown: ${reasonOf(err)}`),
      );
    }
    await this.spill.idle();
    // A replay stops at its next batch; the one it may be writing finishes before the store closes.
    if (this.replaying) await withDeadline(this.replaying, Math.max(0, deadline - Date.now()));
    const closed = this.store.close().catch((err: unknown) => {
      this.log(`aigw: ledger ${this.store.name}: closing failed: ${reasonOf(err)}`);
    });
    await withDeadline(closed, Math.max(0, deadline - Date.now()));
  }

  private scheduleBatch(): void {
    if (this.timer !== undefined || this.pumping || this.closing || this.queue.length === 0) return;
    this.timer = setTimeout(this.onBatchTimer, this.settings.flushIntervalMs);
    this.timer.unref();
  }

  private readonly onBatchTimer = (): void => {
    this.timer = undefined;
    this.flushUpTo = this.enqueued;
    void this.pump();
  };

  private readonly onRetryTimer = (): void => {
    this.timer = undefined;
    if (this.closing) return;
    if (this.queue.length > 0) {
      this.flushUpTo = this.enqueued;
      void this.pump();
      return;
    }
    // Nothing queued to try with: ask the database itself.
    this.store.open().then(
      () => this.onSuccess(),
      (err: unknown) => this.onFailure(err),
    );
  };

  /** Runs the write loop unless it runs already; resolves when it stops. */
  private pump(): Promise<void> {
    this.pumping ??= this.writeBatches().finally(() => {
      this.pumping = undefined;
      if (!this.down) this.scheduleBatch();
    });
    return this.pumping;
  }

  /** Writes full batches, and smaller ones while rows older than `flushUpTo` wait; stops at a failure. */
  private async writeBatches(): Promise<void> {
    const { batchSize } = this.settings;
    while (this.queue.length >= batchSize || (this.queue.length > 0 && this.dequeued < this.flushUpTo)) {
      const batch = this.queue.splice(0, batchSize);
      this.dequeued += batch.length;
      this.inFlight = batch;
      try {
        await this.store.insert(batch);
      } catch (err) {
        this.queue = batch.concat(this.queue);
        this.dequeued -= batch.length;
        this.onFailure(err);
        return;
      } finally {
        this.inFlight = undefined;
      }
      this.onSuccess();
      // Building a batch (COPY text, SQLite's JSON) runs on this thread: let requests run between batches.
      if (this.queue.length > 0) await nextTurn();
    }
  }

  private onFailure(err: unknown): void {
    this.failures += 1;
    this.writeFailures += 1;
    if (!this.down) {
      this.down = true;
      this.log(
        `aigw: ledger ${this.store.name} unreachable (${reasonOf(err)}): keeping up to ` +
          `${this.settings.maxBufferedRows} records in memory, then spilling them to ${this.spill.directory}; retrying`,
      );
    }
    if (this.closing) return;
    if (this.queue.length > this.settings.maxBufferedRows) this.spillOlder();
    const { retryMinMs, retryMaxMs } = this.settings;
    const pause = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(this.failures - 1, 20));
    this.clearTimer();
    // Jitter, so replicas that lost the database together do not come back in step.
    this.timer = setTimeout(this.onRetryTimer, pause * (0.75 + Math.random() * 0.5));
    this.timer.unref();
  }

  private onSuccess(): void {
    this.failures = 0;
    if (this.down) {
      this.down = false;
      const more =
        this.queue.length > 0 ? `; writing the ${this.queue.length} records buffered meanwhile` : "";
      this.log(`aigw: ledger ${this.store.name} reachable again${more}`);
      this.flushUpTo = this.enqueued;
      if (!this.pumping) void this.pump();
    }
    if (this.replayNeeded) void this.replaySpilled();
  }

  /**
   * Spills all but the newest batch (kept, so the retry has something to try with): memory stays
   * bounded however long the outage lasts.
   */
  private spillOlder(): void {
    const rows = this.queue.splice(0, this.queue.length - this.settings.batchSize);
    this.dequeued += rows.length;
    this.replayNeeded = true;
    this.spill.write(rows).then(
      () => undefined,
      (err: unknown) =>
        this.log(`aigw: ledger: ${rows.length} records lost, cannot spill them: ${reasonOf(err)}`),
    );
  }

  /** Writes the spill files this process may replay, oldest first; stops at the first failure. */
  private replaySpilled(): Promise<void> {
    this.replaying ??= this.replayFiles().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private async replayFiles(): Promise<void> {
    this.replayNeeded = false;
    await this.spill.idle();
    let replayed = 0;
    for (const file of this.spill.claim()) {
      const { rows, unreadable } = await this.spill.read(file);
      if (unreadable > 0) this.log(`aigw: ledger: skipped ${unreadable} unreadable lines of ${file}`);
      for (let i = 0; i < rows.length; i += this.settings.batchSize) {
        if (this.closing) return;
        try {
          await this.store.insert(rows.slice(i, i + this.settings.batchSize));
        } catch (err) {
          this.replayNeeded = true;
          this.onFailure(err);
          return;
        }
        await nextTurn();
      }
      await this.spill.remove(file);
      replayed += rows.length;
    }
    if (replayed > 0) this.log(`aigw: ledger: wrote ${replayed} spilled records`);
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Resolves when `work` settles, or after `ms` without waiting for it further; never rejects (what
 * failed was logged where it failed, and a shutdown must go on).
 */
function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}

/** A readable reason: Node's connection errors can have an empty message (AggregateError) but a code. */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message || (err as NodeJS.ErrnoException).code || err.name;
}
