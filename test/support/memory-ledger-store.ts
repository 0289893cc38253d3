import type { LedgerRow } from "../../src/usage/ledger-row.js";
import type { LedgerPageQuery, LedgerStore } from "../../src/usage/ledger-store.js";
import { aggregateRollup, bucketOf, type RollupQuery, type RollupRow } from "../../src/usage/usage-rollup.js";

/**
 * A LedgerStore in memory whose outages a test controls. Like the real stores it is idempotent by
 * id (a row written twice is kept once), and it keeps every batch it was sent.
 */
export class MemoryLedgerStore implements LedgerStore {
  readonly name = "memory";
  readonly rows = new Map<string, LedgerRow>();
  /** The size of every batch that reached it, written or not. */
  readonly batches: number[] = [];
  /** While true, every call fails as an unreachable database would. */
  down = false;
  /** This many coming batches are written and then fail anyway (a timeout after the commit). */
  failAfterWriting = 0;
  opens = 0;
  closed = false;

  open(): Promise<void> {
    this.opens += 1;
    return this.down ? Promise.reject(new Error("connect ECONNREFUSED")) : Promise.resolve();
  }

  insert(rows: readonly LedgerRow[]): Promise<void> {
    this.batches.push(rows.length);
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED"));
    for (const row of rows) if (!this.rows.has(row.id)) this.rows.set(row.id, row);
    if (this.failAfterWriting > 0) {
      this.failAfterWriting -= 1;
      return Promise.reject(new Error("query read timeout"));
    }
    return Promise.resolve();
  }

  page(query: LedgerPageQuery): Promise<LedgerRow[]> {
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED"));
    const rows = [...this.rows.values()]
      .filter((row) => row.time >= query.from && row.time < query.to)
      .filter((row) => query.consumer === undefined || row.consumer === query.consumer)
      .filter(
        (row) =>
          !query.before ||
          row.time < query.before.time ||
          (row.time === query.before.time && row.id < query.before.id),
      )
      .sort((a, b) => (a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1));
    return Promise.resolve(rows.slice(0, query.limit));
  }

  /** Summed from the rows on each call: the stores' own rollups are tested against their pages. */
  rollup(query: RollupQuery): Promise<RollupRow[]> {
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED"));
    const inRange = [...this.rows.values()].filter((row) => {
      const bucket = bucketOf(row.time, query.grain);
      return bucket >= query.from && bucket < query.to;
    });
    return Promise.resolve(aggregateRollup(inRange, query.grain));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
