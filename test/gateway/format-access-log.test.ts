import assert from "node:assert/strict";
import { test } from "node:test";
import { formatAccessLog, formatPlainAccessLog } from "../../src/gateway/format-access-log.js";
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
  assert.deepEqual(line["ai_gateway.attempts"], [
    { backend: "default/fallback", status: 200, error: null, duration: 10 },
  ]);
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

test("the decision record: match, override, credential policy, consumer, attributes, trace and ledger ids", () => {
  const line = JSON.parse(
    formatAccessLog(
      record({
        match: "x-ai-eg-model=claude&x-team=ml",
        originalModel: "claude",
        requestModel: "claude-2026",
        credentialPolicy: "default/anthropic-key",
        consumer: "alice",
        logAttributes: { "session.id": "s-1", "tenant.id": 'a"b' },
        traceId: "0af7651916cd43dd8448eb211c80319c",
        requestId: "0193e1f2-0000-7000-8000-000000000001",
      }),
      START,
      "0193e1f2-0000-7000-8000-000000000001",
    ),
  ) as Record<string, unknown>;
  assert.equal(line["ai_gateway.match"], "x-ai-eg-model=claude&x-team=ml");
  assert.equal(line["ai_gateway.model_override"], "claude-2026");
  assert.equal(line["ai_gateway.credential_policy"], "default/anthropic-key");
  assert.equal(line["ai_gateway.consumer"], "alice");
  assert.equal(line["session.id"], "s-1");
  assert.equal(line["tenant.id"], 'a"b');
  assert.equal(line.trace_id, "0af7651916cd43dd8448eb211c80319c");
  assert.equal(line["ai_gateway.ledger_record_id"], "0193e1f2-0000-7000-8000-000000000001");
  // Without any of them: no override when the model went upstream as asked, and nothing made up.
  const bare = JSON.parse(formatAccessLog(record(), START)) as Record<string, unknown>;
  assert.equal(bare["ai_gateway.match"], null);
  for (const key of [
    "ai_gateway.model_override",
    "ai_gateway.credential_policy",
    "ai_gateway.consumer",
    "trace_id",
    "ai_gateway.ledger_record_id",
  ]) {
    assert.equal(key in bare, false, key);
  }
});

test("a request outside the API endpoints gets a line of its own", () => {
  const line = JSON.parse(formatPlainAccessLog("GET", "/v1/models", 200, 1.6, "id-1", START)) as Record<
    string,
    unknown
  >;
  assert.deepEqual(line, {
    start_time: "2026-12-02T10:00:00.000Z",
    request_id: "id-1",
    method: "GET",
    "request.path": "/v1/models",
    response_code: 200,
    duration: 2,
  });
});

test("a pool request's line says which endpoint was picked and why, or why it was shed", () => {
  const scores = [
    { address: "127.0.0.3:8000", total: 6.5, queue: 1, kvCache: 0.5, prefix: 1, lora: 1 },
    { address: "127.0.0.2:8000", total: 3, queue: 0, kvCache: 1, prefix: 0, lora: 1 },
  ];
  const picked = JSON.parse(
    formatAccessLog(
      record({
        inference: {
          pool: "default/pool",
          priority: 0,
          endpoint: "127.0.0.3:8000",
          reason: "scored",
          scores,
        },
      }),
      START,
    ),
  ) as Record<string, unknown>;
  assert.deepEqual(picked["ai_gateway.inference"], {
    pool: "default/pool",
    priority: 0,
    endpoint: "127.0.0.3:8000",
    reason: "scored",
    scores,
  });
  const shed = JSON.parse(
    formatAccessLog(
      record({
        status: 429,
        inference: {
          pool: "default/pool",
          objective: "batch",
          priority: -1,
          refused: "shed",
          message: "inference pool default/pool is saturated",
        },
      }),
      START,
    ),
  ) as Record<string, unknown>;
  assert.deepEqual(shed["ai_gateway.inference"], {
    pool: "default/pool",
    objective: "batch",
    priority: -1,
    refused: "shed",
    message: "inference pool default/pool is saturated",
  });
  const plain = JSON.parse(formatAccessLog(record(), START)) as Record<string, unknown>;
  assert.equal("ai_gateway.inference" in plain, false);
});
