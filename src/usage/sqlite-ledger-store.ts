import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Database, SQLiteValue, Statement } from "node-sqlite3-wasm";
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

/**
 * Schema migrations, in order: entry i brings the schema from version i to i + 1.
 * The table is clustered on (time, id) (WITHOUT ROWID): one b-tree takes the inserts (in time order,
 * at its end), the time ranges and the pages, which made a row ~30 % cheaper to write than a rowid
 * table with a separate time index. An id is unique on its own (the gateway makes it); a retried
 * row has the same time and id, so INSERT OR IGNORE skips it.
 */
const MIGRATIONS: readonly string[] = [
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
];

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
 * A page's rows come back as one JSON object each, built by SQLite, which is the LedgerRow as it
 * is: reading 23 columns one by one through the binding costs 7-18 µs a row, one text and
 * JSON.parse 2-4 µs, and totals over a time range read every row.
 */
const ROW_JSON = `json_object(${LEDGER_COLUMNS.map((column) => {
  if (column === "attributes" || column === "costs") return `'${column}', json(${column})`;
  if (column === "stream") return `'stream', json(iif(stream, 'true', 'false'))`;
  return `'${column}', ${column}`;
}).join(", ")})`;

/**
 * Rows go in by statements of 16: each statement the binding runs costs about as much as binding
 * its values, and 16 rows a statement made a row ~35 % cheaper to write than one (a batch's last few
 * rows go one by one).
 */
const ROWS_PER_INSERT = 16;

function insertStatement(rows: number): string {
  const tuple = `(${LEDGER_COLUMNS.map(() => "?").join(", ")})`;
  return `INSERT OR IGNORE INTO ${LEDGER_TABLE} (${LEDGER_COLUMNS.join(", ")}) VALUES ${Array(rows).fill(tuple).join(", ")}`;
}

/**
 * The embedded ledger: one SQLite file, written through node-sqlite3-wasm (SQLite compiled to
 * WebAssembly, so it installs without a compiler; see docs/ledger.md). The binding is synchronous:
 * a batch is one transaction on the gateway's thread (a few microseconds a row), and a page is one
 * bounded query. It has no locking between processes, so the file is guarded by a pid lock file
 * beside it and a second process is refused at start; nor the shared memory a write-ahead log
 * needs, which this store runs all the same (see `tune`).
 */
export class SqliteLedgerStore implements LedgerStore {
  readonly name: string;
  private readonly insertRow: Statement;
  private readonly insertRows: Statement;
  /** Page queries by their SQL (with or without consumer and position): prepared once each. */
  private readonly pageQueries = new Map<string, Statement>();
  private closed = false;

  private constructor(
    private readonly db: Database,
    path: string,
    private readonly releaseLock: () => void,
  ) {
    this.name = `sqlite ${path}`;
    this.insertRow = db.prepare(insertStatement(1));
    this.insertRows = db.prepare(insertStatement(ROWS_PER_INSERT));
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
    try {
      this.db.exec("BEGIN");
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        for (let k = 0; k < ROWS_PER_INSERT; k++) fillValues(manyValues, k, rows[i + k]!);
        this.insertRows.run(manyValues);
      }
      for (; i < rows.length; i++) this.insertRow.run(fillValues(oneValues, 0, rows[i]!));
      this.db.exec("COMMIT");
      return Promise.resolve();
    } catch (err) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      return Promise.reject(err);
    }
  }

  page(query: LedgerPageQuery): Promise<LedgerRow[]> {
    let sql = `SELECT ${ROW_JSON} AS row FROM ${LEDGER_TABLE} WHERE time >= ?`;
    const values: SQLiteValue[] = [query.from];
    const { before } = query;
    if (before && before.time < query.to) {
      // (time, id) < (?, ?) with the cursor's time as the only upper bound, so that SQLite ends the
      // primary-key range there: given `to` as well, it scans down from `to` through every row of
      // the pages before (it cannot tell which bound is tighter).
      sql += " AND time <= ? AND (time < ? OR id < ?)";
      values.push(before.time, before.time, before.id);
    } else {
      // Without a cursor, or one at or past `to`, everything before `to` comes before the cursor.
      sql += " AND time < ?";
      values.push(query.to);
    }
    if (query.consumer !== undefined) {
      sql += " AND consumer = ?";
      values.push(query.consumer);
    }
    sql += " ORDER BY time DESC, id DESC LIMIT ?";
    values.push(query.limit);
    try {
      let statement = this.pageQueries.get(sql);
      if (!statement) {
        statement = this.db.prepare(sql);
        this.pageQueries.set(sql, statement);
      }
      const rows = statement.all(values) as { row: string }[];
      return Promise.resolve(rows.map(({ row }) => JSON.parse(row) as LedgerRow));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    // The binding frees neither on garbage collection: every statement, then the database.
    this.insertRow.finalize();
    this.insertRows.finalize();
    for (const statement of this.pageQueries.values()) statement.finalize();
    this.db.close();
    this.releaseLock();
    return Promise.resolve();
  }
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
      db.exec(MIGRATIONS[version]!);
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

/** The values of one statement, refilled for each rather than made anew (the binding reads them at once). */
const oneValues: SQLiteValue[] = new Array(LEDGER_COLUMNS.length).fill(null);
const manyValues: SQLiteValue[] = new Array(LEDGER_COLUMNS.length * ROWS_PER_INSERT).fill(null);

/** Writes the row's values, in LEDGER_COLUMNS order, as the `index`th row of `values`. */
function fillValues(values: SQLiteValue[], index: number, row: LedgerRow): SQLiteValue[] {
  const at = index * LEDGER_COLUMNS.length;
  values[at] = row.id;
  values[at + 1] = row.time;
  values[at + 2] = row.consumer;
  values[at + 3] = row.attributes === null ? null : JSON.stringify(row.attributes);
  values[at + 4] = row.route;
  values[at + 5] = row.rule;
  values[at + 6] = row.original_model;
  values[at + 7] = row.request_model;
  values[at + 8] = row.response_model;
  values[at + 9] = row.backend;
  values[at + 10] = row.attempts;
  values[at + 11] = row.status;
  values[at + 12] = row.stream ? 1 : 0;
  values[at + 13] = row.input_tokens;
  values[at + 14] = row.cached_input_tokens;
  values[at + 15] = row.cache_creation_input_tokens;
  values[at + 16] = row.output_tokens;
  values[at + 17] = row.reasoning_tokens;
  values[at + 18] = row.total_tokens;
  values[at + 19] = JSON.stringify(row.costs);
  values[at + 20] = row.duration_ms;
  values[at + 21] = row.ttft_ms;
  values[at + 22] = row.error;
  return values;
}
