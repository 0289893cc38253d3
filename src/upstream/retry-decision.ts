import { firstValue } from "../util/first-value.js";
import type { AttemptOutcome } from "./backend-health.js";
import type { RetryPolicy, RetryTrigger } from "./traffic-policy.js";

/**
 * How an attempt failed without an answer the client could be given:
 * - `connect_failure`: no connection (refused, DNS, TLS handshake, connect timeout); nothing was sent.
 * - `reset`: the connection broke before the answer was complete (or the upstream sent nothing
 *   usable).
 * - `per_try_timeout`: perRetry.timeout expired before the response headers (a `reset` to triggers).
 * - `refused_stream`: a reused keep-alive connection was closed under the request before any byte
 *   of an answer: the upstream never saw it (HTTP/1's equivalent of HTTP/2 REFUSED_STREAM).
 * - `idle_timeout`: streamIdleTimeout expired between chunks.
 * - `timeout`: the attempt's own deadline (`timeouts.backendRequest`) expired.
 */
export type AttemptFailure =
  | "connect_failure"
  | "reset"
  | "per_try_timeout"
  | "refused_stream"
  | "idle_timeout"
  | "timeout";

/** Envoy's retry_on semantics: which triggers cover a failure without a response. */
const FAILURE_TRIGGERS: Record<AttemptFailure, readonly RetryTrigger[]> = {
  connect_failure: ["connect-failure", "reset", "reset-before-request", "5xx", "gateway-error"],
  refused_stream: ["refused-stream", "reset", "reset-before-request", "5xx", "gateway-error"],
  reset: ["reset", "5xx", "gateway-error"],
  per_try_timeout: ["reset", "5xx", "gateway-error"],
  idle_timeout: ["reset", "5xx", "gateway-error"],
  timeout: ["reset", "5xx", "gateway-error"],
};

export function failureIsRetriable(failure: AttemptFailure, policy: RetryPolicy): boolean {
  for (const trigger of FAILURE_TRIGGERS[failure]) if (policy.triggers.has(trigger)) return true;
  return false;
}

/** Whether a response status is one the policy retries on (Envoy's retry_on for HTTP statuses). */
export function statusIsRetriable(status: number, policy: RetryPolicy): boolean {
  const t = policy.triggers;
  if (status >= 500 && t.has("5xx")) return true;
  if ((status === 502 || status === 503 || status === 504) && t.has("gateway-error")) return true;
  if (status === 409 && t.has("retriable-4xx")) return true;
  return t.has("retriable-status-codes") && policy.statusCodes.has(status);
}

/** What outlier detection makes of an answer's status. */
export function outcomeOfStatus(status: number): AttemptOutcome {
  if (status === 502 || status === 503 || status === 504) return "gateway-error";
  return status >= 500 ? "5xx" : "success";
}

/**
 * Envoy's jittered exponential back-off: before retry n (1-based) wait a random time in
 * [0, (2^n - 1) x base], capped at max.
 */
export function backOffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.backOffBaseMs * (2 ** retry - 1), policy.backOffMaxMs);
  return Math.floor(random() * ceiling);
}

/**
 * A Retry-After header (delay-seconds or an HTTP date) as milliseconds from `nowEpochMs`, capped at
 * `maxMs`; undefined when absent or unreadable.
 */
export function retryAfterMs(
  header: string | string[] | undefined,
  nowEpochMs: number,
  maxMs: number,
): number | undefined {
  const value = firstValue(header)?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowEpochMs;
  }
  if (ms <= 0) return undefined;
  return Math.min(ms, maxMs);
}
