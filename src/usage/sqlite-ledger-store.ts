import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Database, Statement } from "node-sqlite3-wasm";
import type { LedgerRow } from "./ledger-row.js";
import {
  LEDGER_COLUMNS,
  LEDGER_TABLE,
  type LedgerPageQuery,
  type LedgerStore,
  LedgerUnavailableError,
  SCHEMA_TABLE,
} from "./ledger-store.js";
import { acquirePidLock } from "./pid-lock-file.js";
import { decodeBatch, type EncodedBatch, encodeBatch } from "./sqlite-ledger-batch.js";
import {
  blobText,
  CREATE_ROLLUP_TABLES,
  rollupRows,
  SqliteRollups,
  type StoredRollup,
} from "./sqlite-ledger-rollups.js";
import { RollupAccumulator, type RollupQuery, type RollupRow } from "./usage-rollup.js";

/** The table of batches (schema version 2 on). */
const BATCHES = `${LEDGER_TABLE}_batches`;

/** Entries written in one statement by the backfill, bounding its memory. */
const BACKFILL_CHUNK = 20_000;

/** `rows ->> i AS column` for the view: the records as the rows version 1 had. */
const VIEW_COLUMNS = LEDGER_COLUMNS.map((column, i) => `r.value ->> ${i} AS ${column}`).join(", ");

/**
 * Schema migrations, in order: entry i brings the schema from version i to i + 1.
 *
 * Version 1 kept a table row per record (clustered on (time, id)). Writing one cost SQLite 3-5 µs
 * in WebAssembly, per value bound and per row, nearly all of a one-core gateway's 10 % budget for
 * the ledger. Version 2 keeps a table row per batch (sqlite-ledger-batch.ts): one insert of one
 * blob per 500 records, whose cost is the bytes. The records stay readable with SQL through the
 * view `aigw_ledger`, with version 1's columns; version 1's rows move into batches of a minute.
 *
 * Version 3 adds the rollups (docs/ledger.md, "Rollups"), summed from the batches already there.
 */
const MIGRATIONS: readonly (string | ((db: Database) => void))[] = [
  `CREATE TABLE ${LEDGER_TABLE} (
    id TEXT NOT NULL,
    time TEXT NOT NULL,
    consumer TEXT,
    attributes TEXT,
    route TEXT NOT NULL,
    rule TEXT,
    original_model TEXT,
    request_model TEXT,
    response_model TEXT,
    backend TEXT,
    attempts INTEGER NOT NULL,
    status INTEGER NOT NULL,
    stream INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    cache_creation_input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    costs TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    ttft_ms INTEGER,
    error TEXT,
    PRIMARY KEY (time, id)
  ) WITHOUT ROWID`,
  `CREATE TABLE ${BATCHES} (
    key TEXT PRIMARY KEY,
    min_time TEXT NOT NULL,
    max_time TEXT NOT NULL,
    count INTEGER NOT NULL,
    rows BLOB NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX ${BATCHES}_by_time ON ${BATCHES} (max_time, key, min_time);
  INSERT INTO ${BATCHES} (key, min_time, max_time, count, rows)
    SELECT min(id), min(time), max(time), count(*), CAST(json_group_array(json_array(
      id, time, consumer, json(attributes), route, rule, original_model, request_model,
      response_model, backend, attempts, status, stream, input_tokens, cached_input_tokens,
      cache_creation_input_tokens, output_tokens, reasoning_tokens, total_tokens, json(costs),
      duration_ms, ttft_ms, error)) AS BLOB)
    FROM ${LEDGER_TABLE} GROUP BY substr(time, 1, 16);
  DROP TABLE ${LEDGER_TABLE};
  CREATE VIEW ${LEDGER_TABLE} AS SELECT ${VIEW_COLUMNS}
    FROM ${BATCHES} AS b, json_each(CAST(b.rows AS TEXT)) AS r;`,
  createRollups,
];

/** How many batches a page query reads from SQLite at a time. */
const BATCHES_PER_READ = 8;

/**
 * Files open in this process. The pid lock cannot tell two ledgers of one process apart (it takes a
 * lock with its own pid for a previous run's, as after a container restart), so they are kept here.
 */
const openHere = new Set<string>();

/**
 * Claims `path` for one ledger of this process, or throws the locked error; returns the release.
 * A WorkerLedgerStore claims its file on the gateway's thread too: its worker's module has a set
 * of its own, which sees neither the other workers' files nor this thread's.
 */
export function claimInProcess(path: string): () => void {
  if (openHere.has(path)) throw lockedError(path, process.pid);
  openHere.add(path);
  return () => openHere.delete(path);
}

/**
 * The embedded ledger: one SQLite file, written through node-sqlite3-wasm (SQLite compiled to
 * WebAssembly, so it installs without a compiler; see docs/ledger.md). A batch is one blob in one
 * insert; a page reads the batches that can hold its records, newest first. The binding is
 * synchronous and its file I/O blocks, so the gateway runs this store in a worker thread
 * (worker-ledger-store.ts). It has no locking between processes, so the file is guarded by a pid
 * lock file beside it and a second process is refused at start; nor the shared memory a
 * write-ahead log needs, which this store runs all the same (see `tune`).
 */
export class SqliteLedgerStore implements LedgerStore {
  readonly name: string;
  private readonly insertBatchRow: Statement;
  private readonly batchByKey: Statement;
  /** The newest batches that can hold records of a page: first read, and each read after. */
  private readonly firstBatches: Statement;
  private readonly nextBatches: Statement;
  private readonly rollups: SqliteRollups;
  private closed = false;

  private constructor(
    private readonly db: Database,
    path: string,
    private readonly releaseLock: () => void,
  ) {
    this.name = `sqlite ${path}`;
    this.insertBatchRow = db.prepare(
      `INSERT OR IGNORE INTO ${BATCHES} (key, min_time, max_time, count, rows) VALUES (?, ?, ?, ?, ?)`,
    );
    this.batchByKey = db.prepare(`SELECT rows FROM ${BATCHES} WHERE key = ?`);
    const candidates = `SELECT key, max_time, rows FROM ${BATCHES} WHERE max_time >= ? AND min_time <= ?`;
    const order = `ORDER BY max_time DESC, key DESC LIMIT ${BATCHES_PER_READ}`;
    this.firstBatches = db.prepare(`${candidates} ${order}`);
    this.nextBatches = db.prepare(`${candidates} AND (max_time < ? OR (max_time = ? AND key < ?)) ${order}`);
    this.rollups = new SqliteRollups(db);
  }

  /** Opens (creating the file and its directory) and migrates; throws LedgerUnavailableError. */
  static async open(path: string): Promise<SqliteLedgerStore> {
    // Loaded only when a SQLite ledger is used: instantiating the WebAssembly costs ~30 ms and memory.
    const { default: sqlite } = await import("node-sqlite3-wasm");
    let release: (() => void) | undefined;
    let db: Database | undefined;
    try {
      const releaseClaim = claimInProcess(path);
      release = releaseClaim;
      mkdirSync(dirname(path), { recursive: true });
      const releasePid = acquirePidLock(`${path}.pid`, (pid) => lockedError(path, pid));
      release = () => {
        releaseClaim();
        releasePid();
      };
      // The binding locks a file by creating the directory `<file>.lock` and removes it on unlock,
      // which with the lock held for the whole session (`tune`) is at close: a process that was
      // killed leaves it behind, and the file would stay busy for good. Holding the pid lock, nobody
      // else uses the file: it can only be such a leftover.
      rmSync(`${path}.lock`, { recursive: true, force: true });
      db = new sqlite.Database(path);
      tune(db);
      migrate(db, path);
      return new SqliteLedgerStore(db, path, release);
    } catch (err) {
      if (db?.isOpen) db.close();
      release?.();
      if (err instanceof LedgerUnavailableError) throw err;
      throw new LedgerUnavailableError(`cannot open the SQLite ledger ${path}: ${(err as Error).message}`);
    }
  }

  open(): Promise<void> {
    return Promise.resolve();
  }

  insert(rows: readonly LedgerRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.insertEncoded(encodeBatch(rows));
  }

  /**
   * Writes a batch encodeBatch made (on the gateway's thread, when this store runs in a worker).
   * A batch whose key is there already was written before (a retry, a replay); only its records
   * that are not in the stored batch are written, as a batch of their own.
   */
  insertEncoded(batch: EncodedBatch): Promise<void> {
    try {
      this.writeBatch(batch);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The newest records of the query, read from the batches that can hold them: newest batch (by its
   * latest record) first, until `limit` records are found and the next batch's latest record is
   * older than the last of them. Records are also de-duplicated by id, so that one written twice
   * in two batches (only a replay could, after a crash) is read and counted once.
   */
  page(query: LedgerPageQuery): Promise<LedgerRow[]> {
    try {
      return Promise.resolve(this.readPage(query));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A range of rollups as stored, which rollupRows turns into rows: what the worker hands over. */
  rollupStored(query: RollupQuery): Promise<StoredRollup> {
    try {
      return Promise.resolve(this.rollups.readStored(query));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The rollup rows of a range, ordered by bucket. */
  rollup(query: RollupQuery): Promise<RollupRow[]> {
    try {
      return Promise.resolve(rollupRows(this.rollups.readStored(query)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    // The binding frees neither on garbage collection: every statement, then the database.
    for (const statement of [this.insertBatchRow, this.batchByKey, this.firstBatches, this.nextBatches])
      statement.finalize();
    this.rollups.close();
    this.db.close();
    this.releaseLock();
    return Promise.resolve();
  }

  /** The batch's new records and their rollups, in one transaction: the rollups count each record once. */
  private writeBatch(batch: EncodedBatch): void {
    this.db.exec("BEGIN");
    try {
      this.writeRecords(batch);
      this.db.exec("COMMIT");
    } catch (err) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      this.rollups.forgetUncommitted();
      throw err;
    }
  }

  private writeRecords(batch: EncodedBatch): void {
    // A blob, not text: the binding copies a Buffer into WebAssembly at once, where it would encode
    // a string to UTF-8 in JavaScript, character by character.
    const values = [batch.key, batch.minTime, batch.maxTime, batch.count, Buffer.from(batch.json)];
    if (this.insertBatchRow.run(values).changes === 1) {
      this.rollups.write(batch.rollups);
      return;
    }
    // all(), not get(): a statement stepped once stays in progress, and the transaction could not commit.
    const [stored] = this.batchByKey.all([batch.key]) as { rows: Uint8Array }[];
    const written = new Set(stored ? decodeBatch(blobText(stored.rows)).map((row) => row.id) : []);
    const missing = decodeBatch(batch.json).filter((row) => !written.has(row.id));
    if (missing.length > 0) this.writeRecords(encodeBatch(missing));
  }

  private readPage(query: LedgerPageQuery): LedgerRow[] {
    const { before, from, limit } = query;
    // Records strictly before the cursor, or before `to` (whichever bound is tighter).
    const cursor = before && before.time < query.to ? before : undefined;
    const upper = cursor ? cursor.time : query.to;
    const wanted = (row: LedgerRow): boolean =>
      row.time >= from &&
      (cursor
        ? row.time < cursor.time || (row.time === cursor.time && row.id < cursor.id)
        : row.time < upper) &&
      (query.consumer === undefined || row.consumer === query.consumer);
    let found: LedgerRow[] = [];
    const seen = new Set<string>();
    let batches = this.firstBatches.all([from, upper]) as {
      key: string;
      max_time: string;
      rows: Uint8Array;
    }[];
    while (batches.length > 0) {
      for (const batch of batches) {
        if (found.length >= limit && batch.max_time < found[limit - 1]!.time) return found;
        for (const row of decodeBatch(blobText(batch.rows))) {
          if (wanted(row) && !seen.has(row.id)) {
            seen.add(row.id);
            found.push(row);
          }
        }
        if (found.length >= limit) found = found.sort(newestFirst).slice(0, limit);
      }
      if (batches.length < BATCHES_PER_READ) break;
      const last = batches.at(-1)!;
      batches = this.nextBatches.all([from, upper, last.max_time, last.max_time, last.key]) as typeof batches;
    }
    return found.sort(newestFirst).slice(0, limit);
  }
}

/** Schema version 3: the rollup tables, and the rollups of the records already in the file. */
function createRollups(db: Database): void {
  db.exec(CREATE_ROLLUP_TABLES);
  const rollups = new SqliteRollups(db);
  const batches = db.prepare(`SELECT rows FROM ${BATCHES}`);
  try {
    const accumulator = new RollupAccumulator();
    for (const batch of batches.iterate() as Iterable<{ rows: Uint8Array }>) {
      for (const row of decodeBatch(blobText(batch.rows))) accumulator.addRecord(row);
      if (accumulator.size >= BACKFILL_CHUNK) rollups.write(accumulator.take());
    }
    rollups.write(accumulator.take());
  } finally {
    batches.finalize();
    rollups.close();
  }
}

/** The ledger's order: newest first, by time and then id. */
function newestFirst(a: LedgerRow, b: LedgerRow): number {
  if (a.time !== b.time) return a.time < b.time ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * This process is the file's only user (the pid lock), so it keeps SQLite's lock for as long as the
 * file is open (EXCLUSIVE), which also lets the binding run a write-ahead log without the shared
 * memory it lacks: SQLite keeps the WAL index in its own heap when the mode is set before the first
 * access. With WAL, synchronous=NORMAL syncs at checkpoints rather than at every commit: a commit
 * survives the process dying, and a power loss keeps the file consistent but may lose the last
 * commits. Measured against the default (rollback journal, a sync and a journal file per commit):
 * commits 0.2-0.5 ms instead of 2-3 ms, and the gateway's throughput with the ledger on went from
 * 0.64 to 0.84 x that of `--ledger off` (compare-builds, docs/ledger.md).
 */
function tune(db: Database): void {
  db.exec("PRAGMA locking_mode = EXCLUSIVE");
  const mode = db.get("PRAGMA journal_mode = WAL") as { journal_mode: string } | null;
  if (mode?.journal_mode !== "wal")
    throw new Error(`cannot use a write-ahead log (journal mode ${mode?.journal_mode})`);
  db.exec("PRAGMA synchronous = NORMAL");
}

export function lockedError(path: string, pid: number): LedgerUnavailableError {
  return new LedgerUnavailableError(
    `the SQLite ledger ${path} is in use by process ${pid}: a SQLite ledger serves one aigw process. ` +
      "Give this process its own file (--ledger sqlite:PATH or AIGW_DATA_HOME), or use postgres:// for replicas.",
  );
}

/** Brings the file's schema to the latest version, in one transaction per step. */
function migrate(db: Database, path: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (version INTEGER NOT NULL)`);
  const row = db.get(`SELECT version FROM ${SCHEMA_TABLE}`) as { version: number } | null;
  let version = row?.version ?? 0;
  if (version > MIGRATIONS.length) {
    throw new LedgerUnavailableError(
      `the SQLite ledger ${path} has schema version ${version}, newer than this aigw knows (${MIGRATIONS.length})`,
    );
  }
  while (version < MIGRATIONS.length) {
    db.exec("BEGIN");
    try {
      const migration = MIGRATIONS[version]!;
      if (typeof migration === "string") db.exec(migration);
      else migration(db);
      version += 1;
      db.exec(`DELETE FROM ${SCHEMA_TABLE}`);
      db.run(`INSERT INTO ${SCHEMA_TABLE} (version) VALUES (?)`, version);
      db.exec("COMMIT");
    } catch (err) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw err;
    }
  }
}
