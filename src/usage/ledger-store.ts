import type { LedgerRow } from "./ledger-row.js";
import type { RollupQuery, RollupRow } from "./usage-rollup.js";

/** A position in the ledger's order (time, then id): a page holds what comes before it. */
export interface LedgerPosition {
  readonly time: string;
  readonly id: string;
}

/** One page of records, newest first. Times are RFC 3339 UTC to the millisecond, as stored. */
export interface LedgerPageQuery {
  /** Inclusive. */
  readonly from: string;
  /** Exclusive. */
  readonly to: string;
  readonly consumer?: string | undefined;
  /** Only records strictly before this position (the last record of the previous page). */
  readonly before?: LedgerPosition | undefined;
  readonly limit: number;
}

/**
 * Where ledger rows are written and read: the SQLite file (sqlite-ledger-store.ts) or PostgreSQL
 * (postgres-ledger-store.ts). Writes are batches, idempotent by id: a batch retried after a failure
 * that did reach the database writes nothing twice. Reads are keyset pages on (time, id), the one
 * primitive both the record listing and the usage totals are built on, and rollups, the sums per
 * bucket and dimensions that the console's overview reads.
 */
export interface LedgerStore {
  /** For log lines: "sqlite /path/ledger.sqlite", "postgres db.internal:5432/aigw". */
  readonly name: string;
  /**
   * Reaches the database: creates or migrates the schema the first time, else proves the link (a
   * retry with nothing to write asks this); rejects while the database cannot be reached.
   */
  open(): Promise<void>;
  insert(rows: readonly LedgerRow[]): Promise<void>;
  page(query: LedgerPageQuery): Promise<LedgerRow[]>;
  /**
   * The rollup rows of a range of buckets (docs/ledger.md, "Rollups"), ordered by bucket: sums kept
   * in the transaction that writes their records, so they count each record the store holds once.
   */
  rollup(query: RollupQuery): Promise<RollupRow[]>;
  /** Releases the connection or the file (and its lock). */
  close(): Promise<void>;
}

/** The ledger cannot be used at all (its file is another process's, or unreadable): `aigw run` exits. */
export class LedgerUnavailableError extends Error {}

/** The ledger table's columns, in the order the documentation lists them. */
export const LEDGER_COLUMNS = [
  "id",
  "time",
  "consumer",
  "attributes",
  "route",
  "rule",
  "original_model",
  "request_model",
  "response_model",
  "backend",
  "attempts",
  "status",
  "stream",
  "input_tokens",
  "cached_input_tokens",
  "cache_creation_input_tokens",
  "output_tokens",
  "reasoning_tokens",
  "total_tokens",
  "costs",
  "duration_ms",
  "ttft_ms",
  "error",
] as const satisfies readonly (keyof LedgerRow)[];

/** The ledger table's name in both stores (prefixed: a PostgreSQL database may be shared). */
export const LEDGER_TABLE = "aigw_ledger";
/** One row, one column: the schema version the table was last migrated to. */
export const SCHEMA_TABLE = "aigw_ledger_schema";
