import type { RequestRecord } from "./request-record.js";

/**
 * One JSON line per request, with the field names upstream's default aigw access log uses, so
 * existing log pipelines keep working.
 */
export function formatAccessLog(record: RequestRecord, startTime: Date): string {
  const entry: Record<string, unknown> = {
    start_time: startTime.toISOString(),
    method: "POST",
    "request.path": record.path,
    response_code: record.status,
    duration: Math.round(record.durationMs),
    "gen_ai.operation.name": record.api,
    "gen_ai.original.model": record.originalModel,
    "gen_ai.request.model": record.requestModel,
    "gen_ai.response.model": record.responseModel,
    "gen_ai.provider.name": record.backend,
    "ai_gateway.route": record.route,
    "ai_gateway.rule": record.rule,
    "gen_ai.usage.input_tokens": record.usage.inputTokens,
    "gen_ai.usage.output_tokens": record.usage.outputTokens,
    "gen_ai.usage.total_tokens": record.usage.totalTokens,
    "gen_ai.usage.cached_input_tokens": record.usage.cachedInputTokens,
    "gen_ai.usage.cache_creation_input_tokens": record.usage.cacheCreationInputTokens,
    "gen_ai.usage.reasoning_tokens": record.usage.reasoningTokens,
    stream: record.stream,
  };
  if (record.timeToFirstByteMs !== undefined) entry.token_latency_ttft = Math.round(record.timeToFirstByteMs);
  for (const [key, value] of Object.entries(record.costs)) entry[key] = value;
  if (record.error) entry.error = record.error;
  return JSON.stringify(entry);
}
