import { JSON_TYPE } from "../gateway/send-response.js";
import { errorAnswer } from "../usage/usage-api.js";
import { parseLimit, refuseUnknown, single, UsageParameterError } from "../usage/usage-parameters.js";
import { isoTimestamp } from "../util/iso-timestamp.js";
import type { ConsoleHandler } from "./console-handler.js";
import { RECENT_CAPACITY, type RecentEntry, type RecentRequests } from "./recent-requests.js";

const DEFAULT_LIMIT = 100;

/**
 * `GET /console/api/requests` (the latest records, newest first: `limit`, `after`, `q`) and
 * `GET /console/api/requests/<id>` (one record in full), from this process's RecentRequests.
 */
export function requestsHandler(recent: RecentRequests): ConsoleHandler {
  return (request) => {
    try {
      if (request.subpath !== "") {
        refuseUnknown(request.query, []);
        const entry = recent.find(request.subpath);
        if (!entry) {
          return errorAnswer(404, "not_found", `request ${request.subpath} is not (or no longer) held`);
        }
        return json(detailJson(entry));
      }
      return json(listJson(recent, request.query));
    } catch (err) {
      if (err instanceof UsageParameterError) {
        return errorAnswer(400, "invalid_parameter", err.message, err.param);
      }
      throw err;
    }
  };
}

function listJson(recent: RecentRequests, query: URLSearchParams): Record<string, unknown> {
  refuseUnknown(query, ["limit", "after", "q"]);
  const limit = parseLimit(query, DEFAULT_LIMIT, RECENT_CAPACITY);
  const after = afterOf(query);
  const needle = single(query, "q")?.toLowerCase() ?? "";
  const records: Record<string, unknown>[] = [];
  recent.forEachNewest(after, (entry) => {
    if (needle === "" || matches(entry, needle)) records.push(summaryJson(entry));
    return records.length < limit;
  });
  return { records, last_seq: recent.lastSeq };
}

/** `after`: a `seq` the list gave out (a whole number). */
function afterOf(query: URLSearchParams): number {
  const text = single(query, "after");
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) {
    throw new UsageParameterError("after", `expected the seq of a listed record, got "${text}"`);
  }
  return Number(text);
}

/** Whether the request id, a model, the consumer, route, backend, status or an attribute value contains `needle` (lower case). */
function matches({ record }: RecentEntry, needle: string): boolean {
  const has = (value: string | undefined): boolean => value?.toLowerCase().includes(needle) === true;
  if (
    has(record.requestId) ||
    has(record.originalModel) ||
    has(record.requestModel) ||
    has(record.responseModel) ||
    has(record.consumer) ||
    has(record.route) ||
    has(record.backend) ||
    String(record.status).includes(needle)
  ) {
    return true;
  }
  const attributes = record.attributes;
  if (attributes) for (const key in attributes) if (has(attributes[key])) return true;
  return false;
}

/** One record as the list shows it (docs/console.md). */
function summaryJson({ seq, startEpochMs, record }: RecentEntry): Record<string, unknown> {
  return {
    seq,
    id: record.requestId,
    time: isoTimestamp(startEpochMs),
    model: record.requestModel ?? record.originalModel ?? null,
    consumer: record.consumer ?? null,
    attributes: record.attributes ?? {},
    status: record.status,
    duration_ms: Math.round(record.durationMs),
    ttft_ms: record.timeToFirstByteMs === undefined ? null : Math.round(record.timeToFirstByteMs),
    route: record.route ?? null,
    backend: record.backend ?? null,
    error: record.error ?? null,
  };
}

/** The whole decision record: the summary and how the gateway routed, tried, limited and counted it. */
function detailJson(entry: RecentEntry): Record<string, unknown> {
  const { record } = entry;
  const u = record.usage;
  return {
    ...summaryJson(entry),
    operation: record.operation,
    path: record.path,
    stream: record.stream,
    rule: record.rule ?? null,
    match: record.match ?? null,
    original_model: record.originalModel ?? null,
    request_model: record.requestModel ?? null,
    response_model: record.responseModel ?? null,
    provider: record.provider ?? null,
    credential_policy: record.credentialPolicy ?? null,
    attempts: record.attempts.map((a) => ({
      backend: a.backend,
      status: a.status,
      error: a.error ?? null,
      duration_ms: Math.round(a.durationMs),
    })),
    // As the access log shows them.
    limits: (record.limits ?? []).map((l) => ({
      rule: l.rule,
      kind: l.kind,
      bucket: l.bucket,
      limit: l.limit,
      remaining: l.remaining,
      outcome: l.outcome,
    })),
    inference: record.inference ?? null,
    usage: {
      input_tokens: u.inputTokens,
      cached_input_tokens: u.cachedInputTokens,
      cache_creation_input_tokens: u.cacheCreationInputTokens,
      output_tokens: u.outputTokens,
      reasoning_tokens: u.reasoningTokens,
      total_tokens: u.totalTokens,
      estimated: record.usageEstimated === true,
    },
    costs: record.costs,
    trace_id: record.traceId ?? null,
  };
}

function json(body: Record<string, unknown>): { status: number; contentType: string; body: string } {
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) };
}
