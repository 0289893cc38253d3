import type { Database, Statement } from "node-sqlite3-wasm";
import {
  ROLLUP_DIMS_TABLE,
  ROLLUP_GRAINS,
  ROLLUP_SUMS,
  type RollupDims,
  type RollupEntry,
  type RollupGrain,
  type RollupQuery,
  type RollupRow,
  rollupRowFrom,
  rollupTable,
} from "./usage-rollup.js";

/**
 * Schema version 3: the dimensions, and per grain a row per bucket whose `rows` is a JSON array of
 * [dims id, requests, ...tokens, costs], one per distinct dimensions in the bucket.
 */
export const CREATE_ROLLUP_TABLES = [
  `CREATE TABLE ${ROLLUP_DIMS_TABLE} (id INTEGER PRIMARY KEY, dims TEXT NOT NULL UNIQUE)`,
  ...ROLLUP_GRAINS.map(
    (grain) =>
      `CREATE TABLE ${rollupTable(grain)} (bucket TEXT PRIMARY KEY, rows BLOB NOT NULL) WITHOUT ROWID`,
  ),
].join(";\n");

/** A range of one grain as stored: each bucket's JSON text, and the dimensions by number. */
export interface StoredRollup {
  readonly buckets: readonly (readonly [string, string])[];
  readonly dims: readonly (readonly [number, RollupDims])[];
}

/** The rollup rows of a stored range, ordered by bucket. */
export function rollupRows(stored: StoredRollup): RollupRow[] {
  const texts = new Map(stored.dims);
  const parsed = new Map<number, Parameters<typeof rollupRowFrom>[1]>();
  const rows: RollupRow[] = [];
  for (const [bucket, json] of stored.buckets) {
    for (const s of JSON.parse(json) as StoredSums[]) {
      const id = s[0];
      let dims = parsed.get(id);
      if (!dims) {
        const text = texts.get(id);
        if (text === undefined)
          throw new Error(`the ledger's rollups name dimensions ${id}, which are not stored`);
        dims = JSON.parse(text) as Parameters<typeof rollupRowFrom>[1];
        parsed.set(id, dims);
      }
      rows.push(
        rollupRowFrom(bucket, dims, {
          requests: s[1]!,
          input_tokens: s[2]!,
          cached_input_tokens: s[3]!,
          cache_creation_input_tokens: s[4]!,
          output_tokens: s[5]!,
          reasoning_tokens: s[6]!,
          total_tokens: s[7]!,
          costs: s[8] as unknown as Record<string, number>,
        }),
      );
    }
  }
  return rows;
}

/** A bucket's sums of one set of dimensions, as stored: [dims id, requests, ...tokens, costs]. */
type StoredSums = [number, ...number[]];

/**
 * The SQLite store's rollups (docs/ledger.md, "Rollups"), written in the transaction of the batch
 * whose records they sum. A bucket is one row, as a batch is: 30 days of hours are 720 rows to
 * read, not tens of thousands (the binding's cost is per row and value), and a batch, whose
 * records fall in a bucket or two of each grain, rewrites those. Dimensions are numbered in a
 * table of their own, so that a bucket's entries are a few numbers each. Adding is done here, in
 * JS: this process is the file's only writer, so a bucket read in the transaction stays as read.
 */
export class SqliteRollups {
  private readonly getBucket: Record<RollupGrain, Statement>;
  private readonly putBucket: Record<RollupGrain, Statement>;
  private readonly range: Record<RollupGrain, Statement>;
  private readonly dimsId: Statement;
  private readonly insertDims: Statement;
  private readonly allDims: Statement;
  private readonly ids = new Map<RollupDims, number>();
  private readonly dimsOf = new Map<number, RollupDims>();
  /** Whether dimsOf holds every stored dimensions (read once, then kept up by idOf). */
  private complete = false;

  constructor(db: Database) {
    const each = (sql: (table: string) => string): Record<RollupGrain, Statement> => ({
      minute: db.prepare(sql(rollupTable("minute"))),
      hour: db.prepare(sql(rollupTable("hour"))),
    });
    this.getBucket = each((t) => `SELECT rows FROM ${t} WHERE bucket = ?`);
    this.putBucket = each((t) => `INSERT OR REPLACE INTO ${t} (bucket, rows) VALUES (?, ?)`);
    this.range = each(
      (t) => `SELECT bucket, rows FROM ${t} WHERE bucket >= ? AND bucket < ? ORDER BY bucket`,
    );
    this.dimsId = db.prepare(`SELECT id FROM ${ROLLUP_DIMS_TABLE} WHERE dims = ?`);
    this.insertDims = db.prepare(`INSERT INTO ${ROLLUP_DIMS_TABLE} (dims) VALUES (?) RETURNING id`);
    this.allDims = db.prepare(`SELECT id, dims FROM ${ROLLUP_DIMS_TABLE}`);
  }

  /** Adds entries to the rollups, within the caller's transaction. */
  write(entries: readonly RollupEntry[]): void {
    const buckets = new Map<string, RollupEntry[]>();
    for (const entry of entries) {
      const key = `${entry.grain} ${entry.row.bucket}`;
      const list = buckets.get(key);
      if (list) list.push(entry);
      else buckets.set(key, [entry]);
    }
    for (const list of buckets.values()) {
      const { grain, row } = list[0]!;
      // all(), not get(): a statement stepped once stays in progress, and the transaction could not commit.
      const [stored] = this.getBucket[grain].all([row.bucket]) as { rows: Uint8Array }[];
      const sums = new Map<number, StoredSums>();
      if (stored) for (const s of JSON.parse(blobText(stored.rows)) as StoredSums[]) sums.set(s[0], s);
      for (const entry of list) {
        const id = this.idOf(entry.dims);
        const s = sums.get(id);
        if (!s) {
          sums.set(id, [
            id,
            ...ROLLUP_SUMS.map((column) => entry.row[column]),
            { ...entry.row.costs },
          ] as unknown as StoredSums);
          continue;
        }
        for (let i = 0; i < ROLLUP_SUMS.length; i++) s[i + 1] = s[i + 1]! + entry.row[ROLLUP_SUMS[i]!];
        const costs = s[ROLLUP_SUMS.length + 1] as unknown as Record<string, number>;
        for (const key in entry.row.costs) costs[key] = (costs[key] ?? 0) + (entry.row.costs[key] ?? 0);
      }
      const json = JSON.stringify([...sums.values()].sort((a, b) => a[0] - b[0]));
      this.putBucket[grain].run([row.bucket, Buffer.from(json)]);
    }
  }

  /** A transaction that wrote was rolled back: the numbers it gave new dimensions are gone with it. */
  forgetUncommitted(): void {
    this.ids.clear();
    this.dimsOf.clear();
    this.complete = false;
  }

  /** A range as stored: what rollupRows makes rows of (in the worker's caller: text crosses threads cheaply). */
  readStored(query: RollupQuery): StoredRollup {
    const found = this.range[query.grain].all([query.from, query.to]) as {
      bucket: string;
      rows: Uint8Array;
    }[];
    if (!this.complete) {
      for (const row of this.allDims.all() as { id: number; dims: string }[]) this.remember(row.id, row.dims);
      this.complete = true;
    }
    return { buckets: found.map((b) => [b.bucket, blobText(b.rows)]), dims: [...this.dimsOf] };
  }

  close(): void {
    for (const statement of [
      ...Object.values(this.getBucket),
      ...Object.values(this.putBucket),
      ...Object.values(this.range),
      this.dimsId,
      this.insertDims,
      this.allDims,
    ])
      statement.finalize();
  }

  private idOf(dims: RollupDims): number {
    let id = this.ids.get(dims);
    if (id === undefined) {
      // all(), not get(): a statement stepped once stays in progress, and the transaction could not commit.
      const [row] = this.dimsId.all([dims]) as { id: number }[];
      id = row?.id ?? (this.insertDims.all([dims]) as { id: number }[])[0]!.id;
      this.remember(id, dims);
    }
    return id;
  }

  private remember(id: number, dims: RollupDims): void {
    this.ids.set(dims, id);
    this.dimsOf.set(id, dims);
  }
}

export function blobText(blob: Uint8Array): string {
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString("utf8");
}
