import type { RequestRecord } from "../gateway/request-record.js";
import { isoTimestamp } from "../util/iso-timestamp.js";

/**
 * One request as the ledger keeps it: the columns of the ledger table, by their names. The stores
 * write these fields, the spill file holds them as JSON lines, and the usage API reads them back.
 */
export interface LedgerRow {
  /** The request's id (`x-aigw-request-id`): a UUIDv7 of `time`, unique and sorted like the records. */
  id: string;
  /** Request start, RFC 3339 UTC to the millisecond ("2026-12-02T10:00:00.000Z"): sorts as text. */
  time: string;
  consumer: string | null;
  /** Header attributes by attribute name (`--request-header-attributes`). */
  attributes: Readonly<Record<string, string>> | null;
  /** "namespace/name" of the AIGatewayRoute. */
  route: string;
  rule: string | null;
  original_model: string | null;
  request_model: string | null;
  response_model: string | null;
  /** "namespace/name" of the AIServiceBackend that answered (or was tried last). */
  backend: string | null;
  attempts: number;
  /** What the client got. */
  status: number;
  stream: boolean;
  input_tokens: number;
  cached_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  /** Every llmRequestCosts value by its metadata key. */
  costs: Readonly<Record<string, number>>;
  duration_ms: number;
  ttft_ms: number | null;
  /** A short reason; set whenever `status` is not 2xx. */
  error: string | null;
}

/**
 * Whether a finished request belongs in the ledger: it reached routing (so it has a route) and
 * authentication did not refuse it. Unroutable requests and refused callers are the access log's.
 */
export function belongsInLedger(record: RequestRecord): boolean {
  return record.route !== undefined && !record.authRefused;
}

/**
 * The ledger row of a finished request that `belongsInLedger`, started at `startEpochMs`. Runs once
 * per request on the request's thread, so it only copies references and numbers.
 */
export function toLedgerRow(record: RequestRecord, startEpochMs: number): LedgerRow {
  const u = record.usage;
  return {
    id: record.requestId,
    time: isoTimestamp(startEpochMs),
    consumer: record.consumer ?? null,
    attributes: record.attributes ?? null,
    route: record.route ?? "",
    rule: record.rule ?? null,
    original_model: record.originalModel ?? null,
    request_model: record.requestModel ?? null,
    response_model: record.responseModel ?? null,
    backend: record.backend ?? null,
    attempts: record.attempts.length,
    status: record.status,
    stream: record.stream,
    input_tokens: u.inputTokens,
    cached_input_tokens: u.cachedInputTokens,
    cache_creation_input_tokens: u.cacheCreationInputTokens,
    output_tokens: u.outputTokens,
    reasoning_tokens: u.reasoningTokens,
    total_tokens: u.totalTokens,
    costs: record.costs,
    duration_ms: Math.round(record.durationMs),
    ttft_ms: record.timeToFirstByteMs === undefined ? null : Math.round(record.timeToFirstByteMs),
    error: ledgerError(record),
  };
}

/**
 * The request's error, and for a status that is not 2xx always one: the gateway names its own
 * failures (`record.error`: "timeout", "rate_limited", "client_closed", ...), while an upstream's
 * error status passed through to the client carries none, so it becomes `upstream_<status>` (the
 * status the upstream sent, which a translator may have mapped to another for the client).
 */
export function ledgerError(record: RequestRecord): string | null {
  if (record.error !== undefined) return record.error;
  if (record.status >= 200 && record.status < 300) return null;
  const upstreamStatus = record.attempts.at(-1)?.status ?? 0;
  return upstreamStatus > 0 ? `upstream_${upstreamStatus}` : `status_${record.status}`;
}
