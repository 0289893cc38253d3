import type { Pool, PoolClient, QueryConfig } from "pg";
import { isoTimestamp } from "../util/iso-timestamp.js";
import type { LedgerRow } from "./ledger-row.js";
import { LEDGER_TABLE } from "./ledger-store.js";
import { isStorable, storableText } from "./postgres-unstorable-text.js";
import {
  ROLLUP_DIMS_TABLE,
  ROLLUP_GRAINS,
  ROLLUP_SUMS,
  RollupAccumulator,
  type RollupDims,
  type RollupEntry,
  type RollupGrain,
  type RollupQuery,
  type RollupRow,
  rollupRowFrom,
  rollupTable,
} from "./usage-rollup.js";

/**
 * Adds rows given as one JSON array, in the order of their key: two replicas adding to the same
 * rows lock them in the same order, so neither waits for the other in a cycle. Costs are merged
 * key by key on the row as it stands once locked, so every writer's sums count.
 */
function upsertSql(grain: RollupGrain, rowsLiteral: string): string {
  const target = rollupTable(grain);
  return `INSERT INTO ${target} (bucket, dims, ${ROLLUP_SUMS.join(", ")}, costs)
  SELECT bucket, dims, ${ROLLUP_SUMS.join(", ")}, costs
  FROM json_to_recordset(${rowsLiteral}::json) AS e(bucket timestamptz, dims integer,
    ${ROLLUP_SUMS.map((column) => `${column} bigint`).join(", ")}, costs json)
  ORDER BY bucket, dims
  ON CONFLICT (bucket, dims) DO UPDATE SET
    ${ROLLUP_SUMS.map((c) => `${c} = ${target}.${c} + excluded.${c}`).join(",\n    ")},
    costs = CASE WHEN excluded.costs::text = '{}' THEN ${target}.costs ELSE (
      SELECT json_object_agg(key, total) FROM (
        SELECT key, sum(value::numeric) AS total FROM (
          SELECT * FROM json_each_text(${target}.costs)
          UNION ALL SELECT * FROM json_each_text(excluded.costs)
        ) AS c GROUP BY key
      ) AS s
    ) END`;
}

/**
 * A range as one text, the rows' JSON arrays joined by commas: one field for the driver, not a
 * dozen a row; put together by concatenation, which PostgreSQL does in ~35 ms for 25,000 rows
 * where json_agg(json_build_array(...)) took ~65 ms; buckets as epoch milliseconds (date_part is a
 * double, extract a numeric, and to_char per row cost more than the rest).
 */
function selectSql(grain: RollupGrain): string {
  const fields = [`(date_part('epoch', bucket) * 1000)::bigint`, "dims", ...ROLLUP_SUMS, "costs::text"];
  return `SELECT string_agg('[' || ${fields.join(" || ',' || ")} || ']', ',' ORDER BY bucket, dims) AS rows
  FROM ${rollupTable(grain)} WHERE bucket >= $1 AND bucket < $2`;
}

/**
 * The backfill's sums of a range of records per minute and distinct dimension columns, costs
 * summed key by key; their dims keys are made in JS (usage-rollup.ts), as the writes make them.
 */
const BACKFILL_MINUTES = `SELECT to_char(date_trunc('minute', time AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS bucket,
    consumer, attributes::text AS attributes, route, original_model, request_model, response_model,
    backend, status, ${ROLLUP_SUMS.map((column) => `${column === "requests" ? "count(*)" : `sum(${column})`}::bigint AS ${column}`).join(", ")},
    (SELECT coalesce(json_object_agg(key, total), '{}') FROM (
      SELECT key, sum(value::numeric) AS total FROM unnest(array_agg(costs)) AS c(costs),
        json_each_text(c.costs) GROUP BY key) AS s) AS costs
  FROM ${LEDGER_TABLE} WHERE time >= $1 AND time < $2
  GROUP BY 1, consumer, attributes::text, route, original_model, request_model, response_model, backend, status`;

/** The span the backfill sums in one statement, bounding its memory. */
const BACKFILL_SPAN_MS = 86_400_000;
/** How long one day of the backfill may take to sum. */
const BACKFILL_TIMEOUT_MS = 30 * 60_000;

const TEXT_DIMENSIONS = [
  "consumer",
  "route",
  "original_model",
  "request_model",
  "response_model",
  "backend",
] as const;

/**
 * The PostgreSQL store's rollups (docs/ledger.md, "Rollups"): a table per grain keyed by bucket
 * and numbered dimensions, added to in the transaction that writes the records. Replicas share
 * the numbers (a unique dims text, a number each); this one caches those it has seen.
 */
/** Dimension numbers a transaction gave or found, not yet committed by it. */
export type Learned = Map<RollupDims, number>;

export class PostgresRollups {
  private readonly ids = new Map<RollupDims, number>();
  private readonly dimsOf = new Map<number, RollupDims>();

  /**
   * The statements that add the rollups of records just written, for the caller to send in its
   * transaction with its COMMIT ("...; COMMIT"): one round trip for both grains and the commit.
   * A round trip cost the gateway's thread about as much as summing the batch, in the driver and
   * the socket. Dimensions not numbered yet are numbered first, in the caller's transaction; the
   * numbers it gives go into `learned`, which the caller hands to `committed` once its COMMIT
   * succeeded. Until then they are its own: another transaction of this process that used them
   * could commit rollups naming a number the first one's rollback takes away.
   */
  async statements(client: PoolClient, rows: readonly LedgerRow[], learned: Learned): Promise<string> {
    const accumulator = new RollupAccumulator();
    for (const row of rows) accumulator.addRecord(storableDimensions(row));
    return this.upserts(client, accumulator.take(), learned);
  }

  /** Adds entries (ordered by grain, bucket and dims), within the caller's transaction. */
  async write(client: PoolClient, entries: readonly RollupEntry[], learned: Learned): Promise<void> {
    const sql = await this.upserts(client, entries, learned);
    if (sql !== "") await client.query(sql);
  }

  /** The numbers a transaction learned are everyone's once it committed. */
  committed(learned: Learned): void {
    for (const [dims, id] of learned) this.remember(id, dims);
  }

  /** The upserts of entries, ordered by grain, bucket and dims, with their rows as literals. */
  private async upserts(
    client: PoolClient,
    entries: readonly RollupEntry[],
    learned: Learned,
  ): Promise<string> {
    if (entries.length === 0) return "";
    await this.number(client, entries, learned);
    let sql = "";
    for (const grain of ROLLUP_GRAINS) {
      const rows = entries
        .filter((entry) => entry.grain === grain)
        .map(({ dims, row }) => {
          const stored: Record<string, unknown> = {
            bucket: row.bucket,
            dims: this.ids.get(dims) ?? learned.get(dims),
            costs: row.costs,
          };
          for (const column of ROLLUP_SUMS) stored[column] = row[column];
          return stored;
        });
      // A literal, not a parameter: statements with parameters go one per round trip.
      if (rows.length > 0) sql += `${upsertSql(grain, literal(client, JSON.stringify(rows)))};\n`;
    }
    return sql;
  }

  async read(pool: Pool, query: RollupQuery): Promise<RollupRow[]> {
    const result = await pool.query<{ rows: string | null }>(selectSql(query.grain), [query.from, query.to]);
    const text = result.rows[0]?.rows ?? null;
    const stored = text === null ? [] : (JSON.parse(`[${text}]`) as unknown[][]);
    const unknown = [...new Set(stored.map((s) => s[1] as number))].filter((id) => !this.dimsOf.has(id));
    if (unknown.length > 0) {
      const found = await pool.query<{ id: number; dims: string }>(
        `SELECT id, dims FROM ${ROLLUP_DIMS_TABLE} WHERE id = ANY($1::integer[])`,
        [unknown],
      );
      for (const { id, dims } of found.rows) this.remember(id, dims);
    }
    const parsed = new Map<number, Parameters<typeof rollupRowFrom>[1]>();
    const buckets = new Map<number, string>();
    return stored.map((s) => {
      const id = s[1] as number;
      let dims = parsed.get(id);
      if (!dims) {
        const text = this.dimsOf.get(id);
        if (text === undefined)
          throw new Error(`the ledger's rollups name dimensions ${id}, which are not stored`);
        dims = JSON.parse(text) as Parameters<typeof rollupRowFrom>[1];
        parsed.set(id, dims);
      }
      const ms = s[0] as number;
      let bucket = buckets.get(ms);
      if (bucket === undefined) {
        bucket = isoTimestamp(ms);
        buckets.set(ms, bucket);
      }
      return rollupRowFrom(bucket, dims, {
        requests: s[2] as number,
        input_tokens: s[3] as number,
        cached_input_tokens: s[4] as number,
        cache_creation_input_tokens: s[5] as number,
        output_tokens: s[6] as number,
        reasoning_tokens: s[7] as number,
        total_tokens: s[8] as number,
        costs: s[9] as Record<string, number>,
      });
    });
  }

  /**
   * Numbers the entries' dimensions that are not cached: inserted unless there (in their order, as
   * the upserts), then read back in a statement of its own, which sees another replica's number
   * committed meanwhile.
   */
  private async number(client: PoolClient, entries: readonly RollupEntry[], learned: Learned): Promise<void> {
    const missing = [...new Set(entries.map((entry) => entry.dims))]
      .filter((dims) => !this.ids.has(dims) && !learned.has(dims))
      .sort();
    if (missing.length === 0) return;
    await client.query(
      `INSERT INTO ${ROLLUP_DIMS_TABLE} (dims) SELECT d FROM unnest($1::text[]) AS d ORDER BY d ON CONFLICT (dims) DO NOTHING`,
      [missing],
    );
    const found = await client.query<{ id: number; dims: string }>(
      `SELECT id, dims FROM ${ROLLUP_DIMS_TABLE} WHERE dims = ANY($1::text[])`,
      [missing],
    );
    for (const { id, dims } of found.rows) learned.set(dims, id);
  }

  private remember(id: number, dims: RollupDims): void {
    this.ids.set(dims, id);
    this.dimsOf.set(id, dims);
  }
}

/**
 * `text` as an SQL literal: dollar-quoted, which needs no escaping (escapeLiteral walks the text a
 * character at a time in JS), unless the text holds the quote itself, which a client could put in
 * a consumer or model name.
 */
function literal(client: PoolClient, text: string): string {
  return text.includes("$aigw$") ? client.escapeLiteral(text) : `$aigw$${text}$aigw$`;
}

/**
 * Schema version 2: the rollup tables, and the rollups of the records already there, summed by
 * PostgreSQL a day at a time per minute and dimension columns, keyed and rolled up to hours in JS.
 */
export async function createRollups(client: PoolClient): Promise<void> {
  await client.query(`CREATE TABLE ${ROLLUP_DIMS_TABLE} (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    dims text NOT NULL UNIQUE
  )`);
  for (const grain of ROLLUP_GRAINS) {
    await client.query(`CREATE TABLE ${rollupTable(grain)} (
    bucket timestamptz NOT NULL,
    dims integer NOT NULL,
    ${ROLLUP_SUMS.map((column) => `${column} bigint NOT NULL`).join(",\n    ")},
    costs json NOT NULL,
    PRIMARY KEY (bucket, dims)
  )`);
  }
  const span = await client.query<{ first: Date | null; last: Date | null }>(
    `SELECT min(time) AS first, max(time) AS last FROM ${LEDGER_TABLE}`,
  );
  const { first, last } = span.rows[0] ?? { first: null, last: null };
  if (!first || !last) return;
  // The migration's own numbers: its transaction ends with the migration, and the store reads them anew.
  const rollups = new PostgresRollups();
  const learned: Learned = new Map();
  for (let from = first.getTime(); from <= last.getTime(); from += BACKFILL_SPAN_MS) {
    // Not the pool's 15 s: a busy day of a large ledger takes longer to sum, and a migration that
    // timed out would be retried from the start at every write, for ever. (node-postgres reads a
    // query's own query_timeout; its types do not list it.)
    const day: QueryConfig & { query_timeout: number } = {
      text: BACKFILL_MINUTES,
      values: [new Date(from), new Date(from + BACKFILL_SPAN_MS)],
      query_timeout: BACKFILL_TIMEOUT_MS,
    };
    const minutes = await client.query<Omit<RollupRow, "attributes"> & { attributes: string | null }>(day);
    const accumulator = new RollupAccumulator();
    for (const row of minutes.rows) {
      accumulator.addRollup({
        ...row,
        attributes: row.attributes === null ? null : JSON.parse(row.attributes),
      });
    }
    await rollups.write(client, accumulator.take(), learned);
  }
}

/**
 * The record's dimensions as PostgreSQL stores them: text it cannot hold becomes U+FFFD in the
 * record, so in its dimensions too, or the backfill would key the record apart.
 */
function storableDimensions(row: LedgerRow): LedgerRow {
  if (TEXT_DIMENSIONS.every((column) => row[column] === null || isStorable(row[column]!))) return row;
  const copy: Record<string, unknown> = { ...row };
  for (const column of TEXT_DIMENSIONS) {
    const text = row[column];
    copy[column] = text === null ? null : storableText(text);
  }
  return copy as unknown as LedgerRow;
}
