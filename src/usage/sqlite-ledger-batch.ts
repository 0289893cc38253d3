import type { LedgerRow } from "./ledger-row.js";
import { RollupAccumulator, type RollupEntry } from "./usage-rollup.js";

/**
 * A batch of ledger rows as the SQLite store keeps it: one table row per batch, whose `rows` is a
 * JSON array of the records, each an array of its values in LEDGER_COLUMNS order (no keys: half
 * the bytes of objects, and SQLite's cost grows with the bytes).
 */
export interface EncodedBatch {
  /** The first record's id: the batch's key, so that a batch written again is recognised. */
  readonly key: string;
  /** The earliest and latest record time in the batch (RFC 3339 text, which sorts as time). */
  readonly minTime: string;
  readonly maxTime: string;
  readonly count: number;
  readonly json: string;
  /**
   * The rollup entries of the batch's records, summed from the rows while they are objects: the
   * store would otherwise parse the JSON back into rows for them (≈ 1.4 µs a record, against
   * 0.2-1.5 µs to sum them here), on the same core when the gateway is pinned to one.
   */
  readonly rollups: readonly RollupEntry[];
}

/** Encodes a non-empty batch; runs on the gateway's thread, once per batch, ~1 µs a row. */
export function encodeBatch(rows: readonly LedgerRow[]): EncodedBatch {
  const accumulator = new RollupAccumulator();
  let minTime = rows[0]!.time;
  let maxTime = minTime;
  let json = "[";
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.time < minTime) minTime = row.time;
    if (row.time > maxTime) maxTime = row.time;
    accumulator.addRecord(row);
    if (i > 0) json += ",";
    json += JSON.stringify([
      row.id,
      row.time,
      row.consumer,
      row.attributes,
      row.route,
      row.rule,
      row.original_model,
      row.request_model,
      row.response_model,
      row.backend,
      row.attempts,
      row.status,
      row.stream ? 1 : 0,
      row.input_tokens,
      row.cached_input_tokens,
      row.cache_creation_input_tokens,
      row.output_tokens,
      row.reasoning_tokens,
      row.total_tokens,
      row.costs,
      row.duration_ms,
      row.ttft_ms,
      row.error,
    ]);
  }
  return {
    key: rows[0]!.id,
    minTime,
    maxTime,
    count: rows.length,
    json: `${json}]`,
    rollups: accumulator.take(),
  };
}

type EncodedRow = [
  string,
  string,
  string | null,
  Record<string, string> | null,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  Record<string, number>,
  number,
  number | null,
  string | null,
];

/** The records of a batch's JSON, as LedgerRows. */
export function decodeBatch(json: string): LedgerRow[] {
  return (JSON.parse(json) as EncodedRow[]).map((v) => ({
    id: v[0],
    time: v[1],
    consumer: v[2],
    attributes: v[3],
    route: v[4],
    rule: v[5],
    original_model: v[6],
    request_model: v[7],
    response_model: v[8],
    backend: v[9],
    attempts: v[10],
    status: v[11],
    stream: v[12] === 1,
    input_tokens: v[13],
    cached_input_tokens: v[14],
    cache_creation_input_tokens: v[15],
    output_tokens: v[16],
    reasoning_tokens: v[17],
    total_tokens: v[18],
    costs: v[19],
    duration_ms: v[20],
    ttft_ms: v[21],
    error: v[22],
  }));
}
