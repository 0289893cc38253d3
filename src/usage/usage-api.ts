import { setImmediate as nextTurn } from "node:timers/promises";
import { JSON_TYPE } from "../gateway/send-response.js";
import { isoTimestamp } from "../util/iso-timestamp.js";
import type { Ledger } from "./ledger.js";
import type { LedgerRow } from "./ledger-row.js";
import type { LedgerPosition } from "./ledger-store.js";
import { decodeCursor, encodeCursor } from "./records-cursor.js";
import { usageCsv } from "./usage-csv.js";
import {
  parseChoice,
  parseGroupBy,
  parseLimit,
  parseTimeRange,
  refuseUnknown,
  single,
  type TimeRange,
  timeParameter,
  UsageParameterError,
} from "./usage-parameters.js";
import { UsageTotaller, usageRowJson } from "./usage-totals.js";

/** An answer of the admin listener. */
export interface AdminAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface UsageApiContext {
  /** Undefined with `--ledger off`. */
  readonly ledger: Ledger | undefined;
  /** The `--request-header-attributes` names: group keys next to the built-in ones. */
  readonly attributeNames: readonly string[];
}

const CSV_TYPE = "text/csv; charset=utf-8";
/** How long an answer waits for this process's buffered records to be written first. */
const FLUSH_WAIT_MS = 1_000;
/**
 * Records read per page when totalling. Each page is one query, on the gateway's thread for
 * SQLite (~10 ms for 2,000 rows): requests are served between pages.
 */
const SCAN_PAGE = 2_000;
const DEFAULT_RECORDS = 100;
const MAX_RECORDS = 1_000;

export const USAGE_PATH = "/v1/usage";
export const RECORDS_PATH = "/v1/usage/records";

/**
 * `GET /v1/usage` (totals by group keys, JSON or CSV) and `GET /v1/usage/records` (the records,
 * newest first, in pages). Both first write what this process still buffers (bounded wait), so a
 * client sees its own requests; with PostgreSQL every replica's records are there. Totals are summed
 * here from keyset pages of the time range, for both stores alike (docs/ledger.md says why).
 */
export async function answerUsageRequest(
  path: string,
  params: URLSearchParams,
  context: UsageApiContext,
  nowMs: number,
): Promise<AdminAnswer> {
  const { ledger } = context;
  if (!ledger) {
    return errorAnswer(404, "ledger_off", "the ledger is off (--ledger off): no usage is recorded");
  }
  try {
    if (path === USAGE_PATH) return await usageTotals(ledger, params, context.attributeNames, nowMs);
    return await usageRecords(ledger, params, nowMs);
  } catch (err) {
    if (err instanceof UsageParameterError) {
      return errorAnswer(400, "invalid_parameter", err.message, err.param);
    }
    return errorAnswer(503, "ledger_unavailable", `cannot read the ledger: ${(err as Error).message}`);
  }
}

async function usageTotals(
  ledger: Ledger,
  params: URLSearchParams,
  attributeNames: readonly string[],
  nowMs: number,
): Promise<AdminAnswer> {
  refuseUnknown(params, ["from", "to", "group_by", "format"]);
  const range = parseTimeRange(params, nowMs);
  const groupBy = parseGroupBy(params, attributeNames);
  const format = parseChoice(params, "format", ["json", "csv"]);
  await ledger.flush(FLUSH_WAIT_MS);
  const totaller = new UsageTotaller(groupBy);
  let before: LedgerPosition | undefined;
  for (;;) {
    const page = await ledger.page({ ...range, before, limit: SCAN_PAGE });
    for (const row of page) totaller.add(row);
    if (page.length < SCAN_PAGE) break;
    before = page[page.length - 1];
    await nextTurn();
  }
  const rows = totaller.totals();
  if (format === "csv") return { status: 200, contentType: CSV_TYPE, body: usageCsv(groupBy, rows) };
  const body = JSON.stringify({
    from: range.from,
    to: range.to,
    group_by: groupBy,
    rows: rows.map(usageRowJson),
  });
  return { status: 200, contentType: JSON_TYPE, body };
}

async function usageRecords(ledger: Ledger, params: URLSearchParams, nowMs: number): Promise<AdminAnswer> {
  refuseUnknown(params, ["from", "to", "limit", "consumer", "cursor"]);
  const limit = parseLimit(params, DEFAULT_RECORDS, MAX_RECORDS);
  const cursorText = single(params, "cursor");
  let range: TimeRange;
  let consumer = single(params, "consumer");
  let before: LedgerPosition | undefined;
  if (cursorText === undefined) {
    range = parseTimeRange(params, nowMs);
  } else {
    const cursor = decodeCursor(cursorText);
    if (!cursor) throw new UsageParameterError("cursor", "not a next_cursor this API gave out");
    for (const name of ["from", "to"] as const) {
      const given = timeParameter(params, name);
      if (given !== undefined && isoTimestamp(given) !== cursor.range[name]) {
        throw new UsageParameterError(name, "differs from the query the cursor continues");
      }
    }
    if (consumer !== undefined && consumer !== cursor.consumer) {
      throw new UsageParameterError("consumer", "differs from the query the cursor continues");
    }
    range = cursor.range;
    consumer = cursor.consumer;
    before = cursor.after;
  }
  await ledger.flush(FLUSH_WAIT_MS);
  // One more than asked: whether another page exists is known without asking for it.
  const rows = await ledger.page({ ...range, consumer, before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({ range, consumer, after: { time: last.time, id: last.id } })
      : null;
  return {
    status: 200,
    contentType: JSON_TYPE,
    body: JSON.stringify({ records: page.map(recordJson), next_cursor: nextCursor }),
  };
}

/** A record as the API shows it: the fields at the top level, header attributes under their names. */
export function recordJson(row: LedgerRow): Record<string, unknown> {
  return {
    id: row.id,
    time: row.time,
    consumer: row.consumer,
    ...row.attributes,
    route: row.route,
    rule: row.rule,
    original_model: row.original_model,
    request_model: row.request_model,
    response_model: row.response_model,
    backend: row.backend,
    attempts: row.attempts,
    status: row.status,
    stream: row.stream,
    input_tokens: row.input_tokens,
    cached_input_tokens: row.cached_input_tokens,
    cache_creation_input_tokens: row.cache_creation_input_tokens,
    output_tokens: row.output_tokens,
    reasoning_tokens: row.reasoning_tokens,
    total_tokens: row.total_tokens,
    costs: row.costs,
    duration_ms: row.duration_ms,
    ttft_ms: row.ttft_ms,
    error: row.error,
  };
}

/** The admin listener's error envelope: `{"error":{"type","message","param"?}}`. */
export function errorAnswer(status: number, type: string, message: string, param?: string): AdminAnswer {
  const error = param === undefined ? { type, message } : { type, param, message };
  return { status, contentType: JSON_TYPE, body: JSON.stringify({ error }) };
}
