import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConsoleRequest } from "../../src/console/console-handler.js";
import { RecentRequests } from "../../src/console/recent-requests.js";
import { requestsHandler } from "../../src/console/requests-handler.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { requestRecord } from "../support/request-record.js";

const T0 = Date.UTC(2026, 11, 2, 10);

function call(recent: RecentRequests, query = "", subpath = "") {
  const request: ConsoleRequest = { query: new URLSearchParams(query), subpath, nowMs: T0 };
  const answer = requestsHandler(recent)(request) as { status: number; body: string };
  return { status: answer.status, json: JSON.parse(answer.body) };
}

/** `n` records r1..rn (request ids "id-1"...), finished one second apart. */
function filled(n: number, capacity?: number): { recent: RecentRequests; records: RequestRecord[] } {
  const recent = new RecentRequests(capacity);
  const records: RequestRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const record = requestRecord({ requestId: `id-${i}`, durationMs: 400 });
    records.push(record);
    recent.add(record, T0 + i * 1000);
  }
  return { recent, records };
}

test("the ring keeps the last `capacity` records by reference, newest first, numbered in order", () => {
  const { recent, records } = filled(7, 5);
  const seen: [number, string][] = [];
  recent.forEachNewest(0, (e) => {
    seen.push([e.seq, e.record.requestId]);
    return true;
  });
  assert.deepEqual(seen, [
    [7, "id-7"],
    [6, "id-6"],
    [5, "id-5"],
    [4, "id-4"],
    [3, "id-3"],
  ]);
  assert.equal(recent.lastSeq, 7);
  assert.equal(recent.find("id-7")?.record, records[6], "the record itself, not a copy");
  assert.equal(recent.find("id-2"), undefined, "wrapped out");
  assert.equal(recent.find("id-3")?.startEpochMs, T0 + 3000 - 400);
});

test("list: newest first, limit, after (polling) and last_seq", () => {
  const { recent } = filled(12);
  const all = call(recent).json;
  assert.equal(all.records.length, 12);
  assert.equal(all.records[0].seq, 12);
  assert.equal(all.last_seq, 12);
  assert.deepEqual(
    call(recent, "limit=2").json.records.map((r: { id: string }) => r.id),
    ["id-12", "id-11"],
  );
  const polled = call(recent, "after=10").json;
  assert.deepEqual(
    polled.records.map((r: { seq: number }) => r.seq),
    [12, 11],
  );
  assert.equal(call(recent, "after=12").json.records.length, 0);
  assert.equal(call(recent, "after=12").json.last_seq, 12);
  assert.deepEqual(call(new RecentRequests()).json, { records: [], last_seq: 0 });
});

test("the summary has docs/console.md's fields and no content", () => {
  const recent = new RecentRequests();
  recent.add(
    requestRecord({
      requestId: "0193-abc",
      consumer: "team-a",
      attributes: { "tenant.id": "acme" },
      durationMs: 412.4,
      stream: true,
      timeToFirstByteMs: 120.2,
    }),
    T0 + 412.4,
  );
  assert.deepEqual(call(recent).json.records[0], {
    seq: 1,
    id: "0193-abc",
    time: "2026-12-02T10:00:00.000Z",
    model: "gpt-x",
    consumer: "team-a",
    attributes: { "tenant.id": "acme" },
    status: 200,
    duration_ms: 412,
    ttft_ms: 120,
    route: "default/r1",
    backend: "default/b1",
    error: null,
  });
});

test("q keeps records whose id, model, consumer, route, backend, status or an attribute value contains it", () => {
  const recent = new RecentRequests();
  const add = (overrides: Partial<RequestRecord>) => recent.add(requestRecord(overrides), T0);
  add({ requestId: "r-model", requestModel: "GPT-4o-mini", originalModel: "alias" });
  add({ requestId: "r-consumer", consumer: "Team-Blue" });
  add({ requestId: "r-route", route: "prod/chat-route" });
  add({ requestId: "r-backend", backend: "prod/anthropic" });
  add({ requestId: "r-status", status: 503 });
  add({ requestId: "r-attr", attributes: { "tenant.id": "ACME corp" } });
  add({ requestId: "r-none" });
  const ids = (q: string) =>
    call(recent, `q=${encodeURIComponent(q)}`).json.records.map((r: { id: string }) => r.id);
  assert.deepEqual(ids("gpt-4o"), ["r-model"]);
  assert.deepEqual(ids("team-blue"), ["r-consumer"]);
  assert.deepEqual(ids("chat-route"), ["r-route"]);
  assert.deepEqual(ids("ANTHROPIC"), ["r-backend"]);
  assert.deepEqual(ids("503"), ["r-status"]);
  assert.deepEqual(ids("acme"), ["r-attr"]);
  assert.deepEqual(ids("r-none"), ["r-none"]);
  assert.deepEqual(ids("nothing-like-it"), []);
  // limit counts matches, not records looked at.
  assert.equal(call(recent, "q=r-&limit=3").json.records.length, 3);
});

test("detail: the whole decision record; 404 not_found for an id not held", () => {
  const recent = new RecentRequests();
  const record = requestRecord({
    requestId: "id-1",
    rule: "chat",
    match: "x-ai-eg-model=gpt-x",
    durationMs: 30,
    usage: {
      inputTokens: 5,
      outputTokens: 7,
      totalTokens: 12,
      cachedInputTokens: 1,
      cacheCreationInputTokens: 0,
      reasoningTokens: 2,
    },
    costs: { llm_total_token: 12 },
    attempts: [
      { backend: "default/a", status: 0, error: "upstream_unreachable", durationMs: 3.4 },
      { backend: "default/b1", status: 200, error: undefined, durationMs: 20.6 },
    ],
    limits: [
      {
        rule: "BackendTrafficPolicy default/p rateLimit.global.rules[0]",
        kind: "rate_limit",
        bucket: "tenant-a",
        limit: 100,
        used: 10,
        remaining: 90,
        outcome: "allowed",
        windowEndMs: T0 + 60_000,
      },
    ],
    inference: { pool: "default/vllm", priority: 0, endpoint: "10.0.0.5:8000", reason: "scored" },
  });
  recent.add(record, T0 + 30);
  const { status, json } = call(recent, "", "id-1");
  assert.equal(status, 200);
  assert.equal(json.id, "id-1");
  assert.equal(json.rule, "chat");
  assert.equal(json.match, "x-ai-eg-model=gpt-x");
  assert.equal(json.operation, "chat");
  assert.equal(json.stream, false);
  assert.deepEqual(
    [json.original_model, json.request_model, json.response_model],
    ["gpt-x", "gpt-x", "gpt-x"],
  );
  assert.deepEqual(json.attempts, [
    { backend: "default/a", status: 0, error: "upstream_unreachable", duration_ms: 3 },
    { backend: "default/b1", status: 200, error: null, duration_ms: 21 },
  ]);
  assert.deepEqual(json.limits, [
    {
      rule: "BackendTrafficPolicy default/p rateLimit.global.rules[0]",
      kind: "rate_limit",
      bucket: "tenant-a",
      limit: 100,
      remaining: 90,
      outcome: "allowed",
    },
  ]);
  assert.deepEqual(json.inference, record.inference);
  assert.deepEqual(json.usage, {
    input_tokens: 5,
    cached_input_tokens: 1,
    cache_creation_input_tokens: 0,
    output_tokens: 7,
    reasoning_tokens: 2,
    total_tokens: 12,
    estimated: false,
  });
  assert.deepEqual(json.costs, { llm_total_token: 12 });
  const missing = call(recent, "", "nope");
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.type, "not_found");
});

test("bad parameters are a 400 naming them", () => {
  const { recent } = filled(2);
  for (const [query, param] of [
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=ten", "limit"],
    ["after=-1", "after"],
    ["after=x", "after"],
    ["q=a&q=b", "q"],
    ["colour=red", "colour"],
  ] as const) {
    const { status, json } = call(recent, query);
    assert.equal(status, 400, query);
    assert.equal(json.error.param, param, query);
  }
  assert.equal(call(recent, "limit=1000").status, 200);
  assert.equal(call(recent, "limit=1", "id-1").json.error.param, "limit", "the detail takes no parameter");
});
