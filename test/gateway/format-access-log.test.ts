import assert from "node:assert/strict";
import { test } from "node:test";
import { formatAccessLog } from "../../src/gateway/format-access-log.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { requestRecord } from "../support/request-record.js";

function record(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return requestRecord({
    api: "anthropic-messages",
    operation: "messages",
    path: "/v1/messages",
    originalModel: "claude",
    requestModel: "claude",
    responseModel: "claude",
    route: "default/r",
    rule: "rule/0",
    backend: "default/fallback",
    durationMs: 12.4,
    attempts: [{ backend: "default/fallback", status: 200, error: undefined, durationMs: 10 }],
    ...overrides,
  });
}

const START = Date.parse("2026-12-02T10:00:00.000Z");

test("gen_ai.operation.name is the operation (messages), not the endpoint id", () => {
  const line = JSON.parse(formatAccessLog(record(), START)) as Record<string, unknown>;
  assert.equal(line["gen_ai.operation.name"], "messages");
  assert.equal(line["ai_gateway.attempts"], undefined, "one attempt: nothing more to say");
});

test("a request that took several attempts lists each backend, its status and why it failed", () => {
  const line = JSON.parse(
    formatAccessLog(
      record({
        attempts: [
          { backend: "default/primary", status: 0, error: "upstream_unreachable", durationMs: 1.2 },
          { backend: "default/primary-2", status: 503, error: undefined, durationMs: 3.6 },
          { backend: "default/fallback", status: 200, error: undefined, durationMs: 10 },
        ],
      }),
      START,
    ),
  ) as Record<string, unknown>;
  assert.deepEqual(line["ai_gateway.attempts"], [
    { backend: "default/primary", status: 0, error: "upstream_unreachable", duration: 1 },
    { backend: "default/primary-2", status: 503, error: null, duration: 4 },
    { backend: "default/fallback", status: 200, error: null, duration: 10 },
  ]);
  assert.equal(line["gen_ai.provider.name"], "default/fallback");
});

test("every string field reads back exactly, whatever characters it holds", () => {
  for (const odd of [
    'quote " here',
    "back\\slash",
    "new\nline",
    "\u0001ctl",
    "😀 pair",
    "lone \ud800",
    "ü",
    "\u2028",
  ]) {
    const line = formatAccessLog(
      requestRecord({ originalModel: odd, route: odd, error: odd, status: 500 }),
      Date.UTC(2026, 0, 1),
    );
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.equal(parsed["gen_ai.original.model"], odd);
    assert.equal(parsed["ai_gateway.route"], odd);
    assert.equal(parsed.error, odd);
  }
});

test("the limits a request was checked against: rule, kind, bucket, limit, remaining and outcome of each", () => {
  const rule = 'BackendTrafficPolicy default/p rateLimit.global.rules[0] "odd"';
  const line = JSON.parse(
    formatAccessLog(
      record({
        status: 429,
        error: "rate_limited",
        limits: [
          {
            rule,
            kind: "rate_limit",
            bucket: "alice",
            limit: 28,
            used: 28,
            remaining: 0,
            outcome: "refused",
            windowEndMs: 1,
          },
          {
            rule: "QuotaPolicy default/q serviceQuota",
            kind: "quota",
            bucket: "sha256:0123456789abcdef",
            limit: 1000,
            used: 14,
            remaining: 986,
            outcome: "allowed",
          },
        ],
      }),
      START,
    ),
  ) as Record<string, unknown>;
  assert.deepEqual(line["ai_gateway.limits"], [
    { rule, kind: "rate_limit", bucket: "alice", limit: 28, remaining: 0, outcome: "refused" },
    {
      rule: "QuotaPolicy default/q serviceQuota",
      kind: "quota",
      bucket: "sha256:0123456789abcdef",
      limit: 1000,
      remaining: 986,
      outcome: "allowed",
    },
  ]);
  for (const limits of [undefined, []]) {
    const plain = JSON.parse(formatAccessLog(record({ limits }), START)) as Record<string, unknown>;
    assert.equal("ai_gateway.limits" in plain, false, "no limits checked: no field");
  }
});
