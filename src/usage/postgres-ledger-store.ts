import type { Pool, PoolClient, PoolConfig } from "pg";
import type { CopyStreamQuery } from "pg-copy-streams";
import type { LedgerRow } from "./ledger-row.js";
import {
  LEDGER_COLUMNS,
  LEDGER_TABLE,
  type LedgerPageQuery,
  type LedgerStore,
  SCHEMA_TABLE,
} from "./ledger-store.js";
import { copyText } from "./postgres-copy-text.js";
import { createRollups, type Learned, PostgresRollups } from "./postgres-ledger-rollups.js";
import { storableText } from "./postgres-unstorable-text.js";
import type { RollupQuery, RollupRow } from "./usage-rollup.js";

/**
 * Schema migrations, in order: entry i brings the schema from version i to i + 1. Token counts are
 * bigint (an upstream may report anything), read back as numbers.
 *
 * One index only, the primary key (time, id): every query reads a time range, pages walk it by
 * (time, id), and a retried row (same start time, same id) conflicts on it, so it also makes writes
 * idempotent. Each further index costs the server a b-tree insert per record, which is most of what
 * PostgreSQL spends on the ledger; the attributes and costs are json, not jsonb, for the same
 * reason (aigw reads them back whole and sums in JS).
 *
 * Version 2 adds the rollups (docs/ledger.md, "Rollups"), summed from the records already there.
 */
const MIGRATIONS: readonly (string | ((client: PoolClient) => Promise<void>))[] = [
  `CREATE TABLE ${LEDGER_TABLE} (
    id uuid NOT NULL,
    time timestamptz NOT NULL,
    consumer text,
    attributes json,
    route text NOT NULL,
    rule text,
    original_model text,
    request_model text,
    response_model text,
    backend text,
    attempts integer NOT NULL,
    status integer NOT NULL,
    stream boolean NOT NULL,
    input_tokens bigint NOT NULL,
    cached_input_tokens bigint NOT NULL,
    cache_creation_input_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    reasoning_tokens bigint NOT NULL,
    total_tokens bigint NOT NULL,
    costs json NOT NULL,
    duration_ms bigint NOT NULL,
    ttft_ms bigint,
    error text,
    PRIMARY KEY (time, id)
  );`,
  createRollups,
];

/** Serialises the migrations of replicas starting at once (an advisory lock held by the transaction). */
const MIGRATION_LOCK = "7021820416431846500";

const RECORD_TYPE = `r(id uuid, time timestamptz, consumer text, attributes json, route text, rule text,
  original_model text, request_model text, response_model text, backend text, attempts integer,
  status integer, stream boolean, input_tokens bigint, cached_input_tokens bigint,
  cache_creation_input_tokens bigint, output_tokens bigint, reasoning_tokens bigint, total_tokens bigint,
  costs json, duration_ms bigint, ttft_ms bigint, error text)`;

/** A batch goes in by COPY (postgres-copy-text.ts), in one round trip and one transaction. */
const COPY = `COPY ${LEDGER_TABLE} (${LEDGER_COLUMNS.join(", ")}) FROM STDIN`;

/** How long a COPY may take before its connection is given up (the pool's query_timeout for it). */
const COPY_TIMEOUT_MS = 15_000;

/**
 * A batch COPY refused goes in by this statement: one parameter, the rows as a JSON array (no
 * 65,535-parameter limit), and a row already written (a retried batch) is skipped by its key.
 */
const INSERT = `INSERT INTO ${LEDGER_TABLE} (${LEDGER_COLUMNS.join(", ")})
  SELECT ${LEDGER_COLUMNS.join(", ")} FROM json_to_recordset($1::json) AS ${RECORD_TYPE}
  ON CONFLICT (time, id) DO NOTHING`;

const SELECT_COLUMNS = LEDGER_COLUMNS.map((column) => {
  if (column === "id") return "id::text AS id";
  if (column === "time") return `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time`;
  return column;
}).join(", ");

/** JSON text PostgreSQL cannot turn into text: NUL, and UTF-16 surrogates JSON.stringify escaped alone. */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

/** PostgreSQL int8 (bigint) type id: parsed as a JavaScript number (token counts stay far below 2^53). */
const INT8_OID = 20;

/**
 * The ledger in PostgreSQL, shared by every replica: each writes its own records (idempotent by id)
 * and every replica reads all of them. The schema is created or migrated by the first statement
 * that reaches the database (`open`, at start, else on the first write after an outage), under an
 * advisory lock so replicas starting together migrate once. `pg` is loaded only for this store.
 */
export class PostgresLedgerStore implements LedgerStore {
  readonly name: string;
  private schema: Promise<void> | undefined;
  private migrated = false;
  private readonly rollups = new PostgresRollups();

  private constructor(
    private readonly pool: Pool,
    private readonly copyFrom: (sql: string) => CopyStreamQuery,
    url: string,
    private readonly log: (line: string) => void,
  ) {
    this.name = `postgres ${describe(url)}`;
    // An idle connection that breaks (a restart, a proxy gone) is dropped by the pool; the next
    // statement then reports the outage. Without a listener the error would end the process.
    pool.on("error", () => undefined);
  }

  static async create(url: string, log: (line: string) => void): Promise<PostgresLedgerStore> {
    const [{ default: pg }, { from }] = await Promise.all([import("pg"), import("pg-copy-streams")]);
    const config: PoolConfig = {
      connectionString: url,
      max: 4,
      // An unreachable database fails a write within seconds (then the ledger retries and buffers)
      // instead of holding a connection attempt open for the OS's TCP timeout.
      connectionTimeoutMillis: 3_000,
      query_timeout: 15_000,
      idleTimeoutMillis: 30_000,
      application_name: "aigw",
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    };
    return new PostgresLedgerStore(new pg.Pool(config), from, url, log);
  }

  /** The first time, creates or migrates the schema; after that, one round trip that proves the link. */
  async open(): Promise<void> {
    if (this.migrated) await this.pool.query("SELECT 1");
    else await this.ensureSchema();
  }

  /**
   * COPY, the cheapest way in; a batch it refuses is a retried one (an id already there: COPY has
   * no ON CONFLICT) or one with a value PostgreSQL refuses, and goes in by INSERT, which skips the
   * rows already written, and failing that row by row.
   */
  async insert(rows: readonly LedgerRow[]): Promise<void> {
    await this.ensureSchema();
    try {
      await this.copy(rows);
      return;
    } catch (err) {
      if (!isDataError(err)) throw err;
    }
    try {
      await this.insertSkipping(rows);
    } catch (err) {
      if (!isDataError(err)) throw err;
      // The database refused a value, not the connection: retrying the batch would refuse it
      // forever and stop the ledger. Each row goes alone, and only what is refused is dropped.
      await this.insertOneByOne(rows);
    }
  }

  async page(query: LedgerPageQuery): Promise<LedgerRow[]> {
    await this.ensureSchema();
    const values: unknown[] = [query.from, query.to];
    let sql = `SELECT ${SELECT_COLUMNS} FROM ${LEDGER_TABLE} WHERE time >= $1 AND time < $2`;
    if (query.consumer !== undefined) {
      values.push(query.consumer);
      sql += ` AND consumer = $${values.length}`;
    }
    if (query.before) {
      values.push(query.before.time, query.before.id);
      sql += ` AND (time, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`;
    }
    values.push(query.limit);
    // The columns, not the text aliases of the same names: only those are in the index order.
    sql += ` ORDER BY ${LEDGER_TABLE}.time DESC, ${LEDGER_TABLE}.id DESC LIMIT $${values.length}`;
    const result = await this.pool.query<LedgerRow>(sql, values);
    return result.rows;
  }

  async rollup(query: RollupQuery): Promise<RollupRow[]> {
    await this.ensureSchema();
    return this.rollups.read(this.pool, query);
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** The batch by COPY and its rollups, in one transaction. */
  private copy(rows: readonly LedgerRow[]): Promise<void> {
    return this.inTransaction(async (client, learned) => {
      await copyInto(client, this.copyFrom(COPY), copyText(rows));
      return this.rollups.statements(client, rows, learned);
    });
  }

  /**
   * The rows not written yet (a retried batch's, or all of one COPY refused) and the rollups of
   * exactly those, in one transaction.
   */
  private insertSkipping(rows: readonly LedgerRow[]): Promise<void> {
    return this.inTransaction(async (client, learned) => {
      const inserted = await client.query<{ id: string }>(`${INSERT} RETURNING id::text AS id`, [
        rowsJson(rows),
      ]);
      if (inserted.rows.length === 0) return "";
      const ids = new Set(inserted.rows.map((row) => row.id));
      return this.rollups.statements(
        client,
        rows.filter((row) => ids.has(row.id.toLowerCase())),
        learned,
      );
    });
  }

  /** Runs `body` in a transaction; the statements it returns go with the COMMIT, in one round trip. */
  private async inTransaction(
    body: (client: PoolClient, learned: Learned) => Promise<string>,
  ): Promise<void> {
    const client = await this.pool.connect();
    const learned: Learned = new Map();
    let broken = false;
    try {
      await client.query("BEGIN");
      const last = await body(client, learned);
      await client.query(`${last}COMMIT`);
      this.rollups.committed(learned);
    } catch (err) {
      // A refused value leaves the connection usable; anything else (a timeout, a reset) may not.
      broken = !isDataError(err);
      if (!broken) await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private ensureSchema(): Promise<void> {
    this.schema ??= this.migrate().then(
      () => {
        this.migrated = true;
      },
      (err: unknown) => {
        this.schema = undefined;
        throw err;
      },
    );
    return this.schema;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (version integer NOT NULL)`);
      const found = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA_TABLE}`);
      let version = found.rows[0]?.version ?? 0;
      if (version > MIGRATIONS.length) {
        throw new Error(
          `the ledger schema is at version ${version}, newer than this aigw knows (${MIGRATIONS.length})`,
        );
      }
      const from = version;
      for (; version < MIGRATIONS.length; version++) {
        const migration = MIGRATIONS[version]!;
        if (typeof migration === "string") await client.query(migration);
        else await migration(client);
      }
      if (version !== from) {
        await client.query(`DELETE FROM ${SCHEMA_TABLE}`);
        await client.query(`INSERT INTO ${SCHEMA_TABLE} (version) VALUES ($1)`, [version]);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async insertOneByOne(rows: readonly LedgerRow[]): Promise<void> {
    for (const row of rows) {
      try {
        await this.insertSkipping([row]);
      } catch (err) {
        if (!isDataError(err)) throw err;
        this.log(
          `aigw: ledger: dropped record ${row.id}, which PostgreSQL refuses: ${(err as Error).message}`,
        );
      }
    }
  }
}

/**
 * The rows as the JSON array the insert reads. Text PostgreSQL cannot hold (NUL, a lone surrogate
 * from a client's model name) is replaced by U+FFFD; the scan for it is one regular expression over
 * the batch, and only a batch that has some is serialised again.
 */
function rowsJson(rows: readonly LedgerRow[]): string {
  const json = JSON.stringify(rows);
  if (!UNSTORABLE_ESCAPE.test(json)) return json;
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === "string" ? storableText(value) : value,
  );
}

/** Streams `text` into a COPY; rejects on the server's refusal or after COPY_TIMEOUT_MS. */
function copyInto(client: PoolClient, stream: CopyStreamQuery, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the ledger's COPY did not finish within ${COPY_TIMEOUT_MS / 1000} s`));
      stream.destroy();
    }, COPY_TIMEOUT_MS);
    stream.on("finish", () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    client.query(stream);
    stream.end(text);
  });
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint): the value, not the link. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/** "host:port/database" of a PostgreSQL URL, without credentials, for log lines. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
