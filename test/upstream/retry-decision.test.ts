import assert from "node:assert/strict";
import { test } from "node:test";
import {
  backOffMs,
  failureIsRetriable,
  outcomeOfStatus,
  retryAfterMs,
  statusIsRetriable,
} from "../../src/upstream/retry-decision.js";
import {
  DEFAULT_TRAFFIC_POLICY,
  type RetryPolicy,
  type RetryTrigger,
} from "../../src/upstream/traffic-policy.js";

function policy(triggers: RetryTrigger[], statusCodes: number[] = []): RetryPolicy {
  return { ...DEFAULT_TRAFFIC_POLICY.retry, triggers: new Set(triggers), statusCodes: new Set(statusCodes) };
}

test("retriable-status-codes retries exactly the listed statuses", () => {
  const p = policy(["retriable-status-codes"], [500, 429]);
  assert.equal(statusIsRetriable(500, p), true);
  assert.equal(statusIsRetriable(429, p), true);
  assert.equal(statusIsRetriable(503, p), false);
  assert.equal(statusIsRetriable(200, p), false);
});

test("5xx covers every 5xx, gateway-error only 502/503/504, retriable-4xx only 409", () => {
  assert.equal(statusIsRetriable(500, policy(["5xx"])), true);
  assert.equal(statusIsRetriable(599, policy(["5xx"])), true);
  assert.equal(statusIsRetriable(429, policy(["5xx"])), false);
  assert.equal(statusIsRetriable(500, policy(["gateway-error"])), false);
  assert.equal(statusIsRetriable(503, policy(["gateway-error"])), true);
  assert.equal(statusIsRetriable(409, policy(["retriable-4xx"])), true);
  assert.equal(statusIsRetriable(400, policy(["retriable-4xx"])), false);
});

test("failures map to Envoy's triggers: connect-failure is not a reset of a sent request", () => {
  assert.equal(failureIsRetriable("connect_failure", policy(["connect-failure"])), true);
  assert.equal(failureIsRetriable("reset", policy(["connect-failure"])), false);
  assert.equal(failureIsRetriable("reset", policy(["reset"])), true);
  assert.equal(failureIsRetriable("per_try_timeout", policy(["reset"])), true);
  assert.equal(failureIsRetriable("per_try_timeout", policy(["connect-failure"])), false);
  assert.equal(failureIsRetriable("idle_timeout", policy(["5xx"])), true);
  assert.equal(failureIsRetriable("connect_failure", policy(["retriable-status-codes"], [503])), false);
});

test("outlier detection sees 502-504 as gateway errors, other 5xx as 5xx, the rest as success", () => {
  assert.equal(outcomeOfStatus(503), "gateway-error");
  assert.equal(outcomeOfStatus(500), "5xx");
  assert.equal(outcomeOfStatus(429), "success");
  assert.equal(outcomeOfStatus(200), "success");
});

test("back-off is jittered within (2^n - 1) x base and capped at max", () => {
  const p = { ...policy([]), backOffBaseMs: 100, backOffMaxMs: 250 };
  assert.equal(
    backOffMs(1, p, () => 0.999),
    99,
  );
  assert.equal(
    backOffMs(2, p, () => 0.999),
    249,
  );
  assert.equal(
    backOffMs(5, p, () => 0.999),
    249,
  );
  assert.equal(
    backOffMs(3, p, () => 0),
    0,
  );
});

test("Retry-After is read as seconds or an HTTP date, capped, and ignored when unreadable", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  assert.equal(retryAfterMs("3", now, 60_000), 3000);
  assert.equal(retryAfterMs(["120"], now, 60_000), 60_000);
  assert.equal(retryAfterMs("Wed, 02 Dec 2026 10:00:05 GMT", now, 60_000), 5000);
  assert.equal(retryAfterMs("Wed, 02 Dec 2026 09:00:00 GMT", now, 60_000), undefined);
  assert.equal(retryAfterMs("soon", now, 60_000), undefined);
  assert.equal(retryAfterMs(undefined, now, 60_000), undefined);
});
