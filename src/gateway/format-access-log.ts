import { isoTimestamp } from "../util/iso-timestamp.js";
import { jsonString as str } from "../util/json-string.js";
import type { LimitRecord, RequestRecord } from "./request-record.js";

/**
 * One JSON line per request, with the field names upstream's default aigw access log uses, so
 * existing log pipelines keep working, and the decision record: the match that chose the route,
 * every attempt, the credential policy, the model override, limit decisions, the consumer, header
 * attributes, the trace and the ledger record. Never a credential or content. Written as a template
 * rather than JSON.stringify of an object: this runs once per request. `ledgerRecordId`: the id of
 * the request's ledger record, when the ledger keeps one.
 */
export function formatAccessLog(
  record: RequestRecord,
  startEpochMs: number,
  ledgerRecordId?: string,
): string {
  const u = record.usage;
  let line =
    `{"start_time":"${isoTimestamp(startEpochMs)}","request_id":"${record.requestId}","method":"POST"` +
    `,"request.path":${str(record.path)}` +
    `,"response_code":${record.status},"duration":${Math.round(record.durationMs)}` +
    `,"gen_ai.operation.name":"${record.operation}","gen_ai.original.model":${str(record.originalModel)}` +
    `,"gen_ai.request.model":${str(record.requestModel)},"gen_ai.response.model":${str(record.responseModel)}` +
    `,"gen_ai.provider.name":${str(record.backend)},"ai_gateway.route":${str(record.route)}` +
    `,"ai_gateway.rule":${str(record.rule)},"ai_gateway.match":${str(record.match)}` +
    `,"gen_ai.usage.input_tokens":${u.inputTokens},"gen_ai.usage.output_tokens":${u.outputTokens}` +
    `,"gen_ai.usage.total_tokens":${u.totalTokens},"gen_ai.usage.cached_input_tokens":${u.cachedInputTokens}` +
    `,"gen_ai.usage.cache_creation_input_tokens":${u.cacheCreationInputTokens}` +
    `,"gen_ai.usage.reasoning_tokens":${u.reasoningTokens},"stream":${record.stream}`;
  if (record.requestModel !== undefined && record.requestModel !== record.originalModel) {
    line += `,"ai_gateway.model_override":${str(record.requestModel)}`;
  }
  if (record.credentialPolicy !== undefined) {
    line += `,"ai_gateway.credential_policy":${str(record.credentialPolicy)}`;
  }
  if (record.consumer !== undefined) line += `,"ai_gateway.consumer":${str(record.consumer)}`;
  const attributes = record.logAttributes;
  if (attributes) for (const key in attributes) line += `,${str(key)}:${str(attributes[key])}`;
  if (record.usageEstimated) line += `,"ai_gateway.usage_estimated":true`;
  if (record.timeToFirstByteMs !== undefined)
    line += `,"token_latency_ttft":${Math.round(record.timeToFirstByteMs)}`;
  for (const key in record.costs) line += `,${JSON.stringify(key)}:${record.costs[key]}`;
  if (record.error !== undefined) line += `,"error":${JSON.stringify(record.error)}`;
  // Every backend tried, in order, with its status or why it failed.
  if (record.attempts.length > 0) line += `,"ai_gateway.attempts":${formatAttempts(record)}`;
  // On a route with limits: every counter checked and what it decided.
  if (record.limits !== undefined && record.limits.length > 0) {
    line += `,"ai_gateway.limits":${formatLimits(record.limits)}`;
  }
  // On a pool rule: the endpoint picked and why (scores), or why the request was shed.
  if (record.inference !== undefined) line += `,"ai_gateway.inference":${JSON.stringify(record.inference)}`;
  if (record.traceId !== undefined) line += `,"trace_id":"${record.traceId}"`;
  if (ledgerRecordId !== undefined) line += `,"ai_gateway.ledger_record_id":"${ledgerRecordId}"`;
  return `${line}}`;
}

/**
 * The line of a request no API endpoint handled: the model listing, an unknown path (404), a
 * method an endpoint does not take. Same field names, no model or usage.
 */
export function formatPlainAccessLog(
  method: string | undefined,
  path: string,
  status: number,
  durationMs: number,
  requestId: string,
  startEpochMs: number,
): string {
  return (
    `{"start_time":"${isoTimestamp(startEpochMs)}","request_id":"${requestId}","method":${str(method)}` +
    `,"request.path":${str(path)},"response_code":${status},"duration":${Math.round(durationMs)}}`
  );
}

// Plain loops rather than map and join: every request has an attempt, and no array is made for it.
function formatLimits(limits: readonly LimitRecord[]): string {
  let out = "[";
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!;
    out +=
      `${i === 0 ? "" : ","}{"rule":${str(l.rule)},"kind":"${l.kind}","bucket":${str(l.bucket)}` +
      `,"limit":${l.limit},"remaining":${l.remaining},"outcome":"${l.outcome}"}`;
  }
  return `${out}]`;
}

function formatAttempts(record: RequestRecord): string {
  const attempts = record.attempts;
  let out = "[";
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i]!;
    out +=
      `${i === 0 ? "" : ","}{"backend":${str(a.backend)},"status":${a.status}` +
      `,"error":${str(a.error)},"duration":${Math.round(a.durationMs)}}`;
  }
  return `${out}]`;
}
