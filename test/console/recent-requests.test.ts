import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ConsoleRequest } from "../../src/console/console-handler.js";
import { RecentRequests } from "../../src/console/recent-requests.js";
import { requestsHandler } from "../../src/console/requests-handler.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { uuidV7 } from "../../src/util/uuid-v7.js";
import { requestRecord } from "../support/request-record.js";

const T0 = Date.UTC(2026, 11, 2, 10);

function call(recent: RecentRequests, query = "", subpath = "") {
  const request: ConsoleRequest = { query: new URLSearchParams(query), subpath, nowMs: T0 };
  const answer = requestsHandler(recent)(request) as { status: number; body: string };
  return { status: answer.status, json: JSON.parse(answer.body) };
}

/** The fields of a record the ring gives back (HeldRecord): all but authRefused, api and the log's and metrics' attributes. */
function shownOf(record: RequestRecord): Record<string, unknown> {
  const { authRefused: _a, api: _b, logAttributes: _c, metricAttributes: _d, ...shown } = record;
  return shown;
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

test("the ring keeps the last `capacity` records, newest first, numbered in order", () => {
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
  assert.deepEqual(
    recent.find("id-7")?.record,
    shownOf(records[6]!),
    "every field the console shows, as reported",
  );
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

test("a held record is rebuilt field for field: retries, limits, an endpoint pick, costs, attributes, a trace", () => {
  const recent = new RecentRequests(3);
  const full = requestRecord({
    requestId: uuidV7(T0),
    consumer: "team-a",
    attributes: { "tenant.id": "acme" },
    rule: "chat",
    match: "x-ai-eg-model=gpt-x",
    credentialPolicy: "default/keys",
    stream: true,
    timeToFirstByteMs: 12.5,
    usageEstimated: true,
    usage: {
      inputTokens: 5,
      outputTokens: 7,
      totalTokens: 12,
      cachedInputTokens: 1,
      cacheCreationInputTokens: 3,
      reasoningTokens: 2,
    },
    costs: { llm_total_token: 12 },
    error: "client_closed",
    attempts: [
      { backend: "default/a", status: 503, error: "upstream_5xx", durationMs: 3.4 },
      { backend: "default/b1", status: 200, error: undefined, durationMs: 20.6 },
    ],
    limits: [{ rule: "r", kind: "quota", bucket: "", limit: 10, used: 1, remaining: 9, outcome: "allowed" }],
    inference: { pool: "default/vllm", priority: 0, endpoint: "10.0.0.5:8000", reason: "scored" },
    traceId: "0af7651916cd43dd8448eb211c80319c",
    durationMs: 40.25,
  });
  const single = requestRecord({
    requestId: "not-a-uuid",
    usageEstimated: false,
    attempts: [{ backend: "default/b1", status: 429, error: "rate_limited", durationMs: 1.5 }],
  });
  const none = requestRecord({ requestId: "id-none", status: 404, route: undefined, backend: undefined });
  recent.add(full, T0 + 40.25);
  recent.add(single, T0 + 50);
  recent.add(none, T0 + 60);
  assert.deepEqual(recent.find(full.requestId)?.record, shownOf(full));
  assert.equal(recent.find(full.requestId)?.startEpochMs, T0);
  // An id held as bytes is compared byte by byte: one differing in its last character is not it.
  const last = full.requestId.at(-1) === "0" ? "1" : "0";
  assert.equal(recent.find(`${full.requestId.slice(0, -1)}${last}`), undefined);
  assert.equal(recent.find(full.requestId.slice(0, -1)), undefined);
  assert.deepEqual(recent.find("not-a-uuid")?.record, shownOf(single));
  assert.deepEqual(recent.find("id-none")?.record, shownOf(none));
  recent.add(requestRecord({ requestId: "id-4" }), T0 + 70);
  assert.equal(recent.find(full.requestId), undefined, "wrapped out");
});

/** Ten records added to `recent`, and weak references to each and to the objects it carries. */
function addWatched(recent: RecentRequests): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < 10; i++) {
    const record = requestRecord({
      path: `/v1/chat/completions?n=${i}`.slice(0, 20 + (i % 2)),
      costs: {},
      attempts: [{ backend: "default/b1", status: 200, error: undefined, durationMs: 2 }],
    });
    refs.push(new WeakRef(record), new WeakRef(record.usage), new WeakRef(record.costs));
    refs.push(new WeakRef(record.attempts), new WeakRef(record.attempts[0]!));
    recent.add(record, T0 + i);
  }
  return refs;
}

test("the ring keeps no reference to a record, nor to its usage, costs or attempt objects", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const recent = new RecentRequests();
  // Filled in a function of its own: this one's suspended frame must not hold the last record.
  const refs = addWatched(recent);
  // A WeakRef keeps its target until the task that made it ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  assert.equal(alive, 0, "every object a record brought is collectable");
  assert.equal(recent.lastSeq, 10);
});

test("trace ids come back as they went in, a slot's bytes never lending one to the record after it", () => {
  const recent = new RecentRequests(2);
  const ids = [
    "0af7651916cd43dd8448eb211c80319c",
    "not-a-w3c-trace-id",
    undefined,
    "4bf92f3577b34da6a3ce929d0e0e4736",
  ];
  ids.forEach((traceId, i) => {
    recent.add(requestRecord({ requestId: `t-${i}`, ...(traceId ? { traceId } : {}) }), T0 + i);
  });
  // Capacity 2: t-2 (none) took t-0's slot, t-3 took t-1's; earlier ones are gone.
  assert.equal(recent.find("t-2")?.record.traceId, undefined);
  assert.equal("traceId" in (recent.find("t-2")?.record ?? {}), false);
  assert.equal(recent.find("t-3")?.record.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  const other = new RecentRequests(4);
  other.add(requestRecord({ requestId: "odd", traceId: "not-a-w3c-trace-id" }), T0);
  assert.equal(other.find("odd")?.record.traceId, "not-a-w3c-trace-id");
});
