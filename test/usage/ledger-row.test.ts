import * as assert from "node:assert/strict";
import { test } from "node:test";
import { belongsInLedger, ledgerError, toLedgerRow } from "../../src/usage/ledger-row.js";
import { requestRecord } from "../support/request-record.js";

const START = Date.UTC(2026, 11, 2, 10, 37, 12, 345);

test("every field of a finished request becomes its ledger column", () => {
  const record = requestRecord({
    consumer: "team-a",
    attributes: { "tenant.id": "acme", department: "research" },
    originalModel: "gpt-asked",
    requestModel: "gpt-sent",
    responseModel: "gpt-sent-2026",
    route: "prod/chat",
    rule: "rule/1",
    backend: "prod/openai",
    status: 200,
    stream: true,
    usage: {
      inputTokens: 100,
      cachedInputTokens: 30,
      cacheCreationInputTokens: 7,
      outputTokens: 50,
      reasoningTokens: 11,
      totalTokens: 150,
    },
    costs: { llm_total_token: 150, spend: 42.5 },
    durationMs: 1234.6,
    timeToFirstByteMs: 88.4,
    attempts: [
      { backend: "prod/primary", status: 503, error: undefined, durationMs: 3 },
      { backend: "prod/openai", status: 200, error: undefined, durationMs: 1200 },
    ],
  });
  const row = toLedgerRow(record, START);
  const { id, ...rest } = row;
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(rest, {
    time: "2026-12-02T10:37:12.345Z",
    consumer: "team-a",
    attributes: { "tenant.id": "acme", department: "research" },
    route: "prod/chat",
    rule: "rule/1",
    original_model: "gpt-asked",
    request_model: "gpt-sent",
    response_model: "gpt-sent-2026",
    backend: "prod/openai",
    attempts: 2,
    status: 200,
    stream: true,
    input_tokens: 100,
    cached_input_tokens: 30,
    cache_creation_input_tokens: 7,
    output_tokens: 50,
    reasoning_tokens: 11,
    total_tokens: 150,
    costs: { llm_total_token: 150, spend: 42.5 },
    duration_ms: 1235,
    ttft_ms: 88,
    error: null,
  });
});

test("what a request did not have is null", () => {
  const row = toLedgerRow(
    requestRecord({
      consumer: undefined,
      attributes: undefined,
      rule: undefined,
      requestModel: undefined,
      responseModel: undefined,
      backend: undefined,
      timeToFirstByteMs: undefined,
      status: 503,
      error: "no_backend",
    }),
    START,
  );
  assert.equal(row.consumer, null);
  assert.equal(row.attributes, null);
  assert.equal(row.rule, null);
  assert.equal(row.request_model, null);
  assert.equal(row.response_model, null);
  assert.equal(row.backend, null);
  assert.equal(row.ttft_ms, null);
  assert.equal(row.attempts, 0);
});

test("the id is the request's id, the x-aigw-request-id its client got", () => {
  const record = requestRecord({ requestId: "0190abcd-0000-7000-8000-000000000001" });
  assert.equal(toLedgerRow(record, START).id, "0190abcd-0000-7000-8000-000000000001");
});

test("error is set whenever the status is not 2xx: the gateway's own reason, else upstream_<status>", () => {
  const cases: [Partial<Parameters<typeof requestRecord>[0]>, string | null][] = [
    [{ status: 200 }, null],
    [{ status: 204 }, null],
    [{ status: 200, error: "client_closed" }, "client_closed"],
    [{ status: 429, error: "rate_limited" }, "rate_limited"],
    [{ status: 504, error: "timeout" }, "timeout"],
    [{ status: 503, error: "upstream_unreachable" }, "upstream_unreachable"],
    // An upstream's error answer relayed to the client names no error of the gateway's.
    [
      { status: 500, attempts: [{ backend: "b", status: 500, error: undefined, durationMs: 1 }] },
      "upstream_500",
    ],
    [
      { status: 404, attempts: [{ backend: "b", status: 404, error: undefined, durationMs: 1 }] },
      "upstream_404",
    ],
    // A translator may give the client another status than the upstream's; the upstream's is named.
    [
      { status: 400, attempts: [{ backend: "b", status: 422, error: undefined, durationMs: 1 }] },
      "upstream_422",
    ],
    [
      { status: 302, attempts: [{ backend: "b", status: 302, error: undefined, durationMs: 1 }] },
      "upstream_302",
    ],
    [{ status: 499, attempts: [] }, "status_499"],
  ];
  for (const [overrides, expected] of cases) {
    const record = requestRecord(overrides);
    assert.equal(ledgerError(record), expected, JSON.stringify(overrides));
    assert.equal(toLedgerRow(record, START).error, expected);
  }
});

test("only requests that reached routing and were not refused by authentication belong in the ledger", () => {
  assert.equal(belongsInLedger(requestRecord()), true);
  assert.equal(belongsInLedger(requestRecord({ route: undefined, status: 404, error: "no_route" })), false);
  assert.equal(belongsInLedger(requestRecord({ authRefused: true, status: 401 })), false);
  assert.equal(belongsInLedger(requestRecord({ status: 429, error: "rate_limited" })), true);
});
