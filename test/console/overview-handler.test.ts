import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { ConsoleHandler } from "../../src/console/console-handler.js";
import type { OverheadSource } from "../../src/console/overhead-source.js";
import { overviewHandler } from "../../src/console/overview-handler.js";
import type { RollupSource } from "../../src/console/rollup-source.js";
import { ledgerRow } from "../support/ledger-rows.js";
import { MemoryRollupSource } from "../support/memory-rollup-source.js";

const NOW = Date.parse("2026-12-03T10:37:12.345Z");
/** range=1h at NOW: minute buckets from 09:37 to 10:38. */
const FIRST_BUCKET = Date.parse("2026-12-03T09:37:00.000Z");
const BUCKETS = 61;

/** Records the calls it gets and answers a p50 of the bucket's index, null every other bucket. */
class FakeOverhead implements OverheadSource {
  readonly calls: [number, number, number][] = [];
  series(fromMs: number, toMs: number, bucketMs: number) {
    this.calls.push([fromMs, toMs, bucketMs]);
    const n = (toMs - fromMs) / bucketMs;
    const p50_ms = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i / 10 : null));
    return { p50_ms, p99_ms: p50_ms.map((v) => (v === null ? null : v * 3)) };
  }
}

const acme = { "tenant.id": "acme" };
const records = [
  ledgerRow(
    "2026-12-03T09:40:05.000Z",
    { consumer: "a", attributes: acme, requestModel: "gpt-4o", costs: { llm_total_token: 150 } },
    { inputTokens: 100, outputTokens: 50 },
  ),
  ledgerRow(
    "2026-12-03T09:40:50.000Z",
    { consumer: "a", attributes: acme, requestModel: "gpt-4o", status: 500, costs: { llm_total_token: 10 } },
    { inputTokens: 10 },
  ),
  ledgerRow(
    "2026-12-03T10:00:00.000Z",
    {
      consumer: "b",
      attributes: { "tenant.id": "globex" },
      requestModel: "claude",
      costs: { llm_total_token: 300, spend: 7 },
    },
    { inputTokens: 200, outputTokens: 100 },
  ),
  ledgerRow("2026-12-03T10:37:00.000Z", { requestModel: "claude", status: 429 }),
  // Before the first bucket: not in the range.
  ledgerRow("2026-12-03T09:36:59.999Z", { consumer: "early" }, { inputTokens: 1000 }),
];

function handler(ledger: RollupSource | undefined, overhead = new FakeOverhead()): ConsoleHandler {
  return overviewHandler({ ledger, attributeNames: ["tenant.id"], overhead });
}

async function call(h: ConsoleHandler, query: string) {
  const answer = await h({ query: new URLSearchParams(query), subpath: "", nowMs: NOW });
  return { ...answer, json: JSON.parse(answer.body) as Record<string, unknown> };
}

/** A series of BUCKETS zeros with `values` at the given minutes after the first bucket. */
function at(values: Record<number, number>): number[] {
  const out = new Array<number>(BUCKETS).fill(0);
  for (const [i, v] of Object.entries(values)) out[Number(i)] = v;
  return out;
}

test("the range's totals, a value per bucket (zeros between) and the overhead, from the minute rollups", async () => {
  const source = new MemoryRollupSource(records);
  const overhead = new FakeOverhead();
  const answer = await call(handler(source, overhead), "range=1h");
  assert.equal(answer.status, 200);
  assert.equal(answer.contentType, "application/json");
  assert.deepEqual(source.queries, [
    { grain: "minute", from: "2026-12-03T09:37:00.000Z", to: "2026-12-03T10:38:00.000Z" },
  ]);
  assert.deepEqual(overhead.calls, [[FIRST_BUCKET, FIRST_BUCKET + BUCKETS * 60_000, 60_000]]);
  const { json } = answer;
  assert.deepEqual(Object.keys(json), [
    "from",
    "to",
    "bucket_seconds",
    "source",
    "totals",
    "series",
    "overhead",
    "top",
  ]);
  assert.equal(json.from, "2026-12-03T09:37:00.000Z");
  assert.equal(json.to, "2026-12-03T10:37:12.345Z");
  assert.equal(json.bucket_seconds, 60);
  assert.equal(json.source, "ledger");
  assert.deepEqual(json.totals, {
    requests: 4,
    errors: 2,
    input_tokens: 310,
    output_tokens: 150,
    total_tokens: 460,
    costs: { llm_total_token: 460, spend: 7 },
  });
  const time = Array.from({ length: BUCKETS }, (_, i) => FIRST_BUCKET / 1000 + i * 60);
  assert.deepEqual(json.series, {
    time,
    requests: at({ 3: 2, 23: 1, 60: 1 }),
    errors: at({ 3: 1, 60: 1 }),
    input_tokens: at({ 3: 110, 23: 200 }),
    output_tokens: at({ 3: 50, 23: 100 }),
    costs: { llm_total_token: at({ 3: 160, 23: 300 }), spend: at({ 23: 7 }) },
  });
  const expected = new FakeOverhead().series(FIRST_BUCKET, FIRST_BUCKET + BUCKETS * 60_000, 60_000);
  assert.deepEqual(json.overhead, { time, ...expected });
});

test("top lists of the model, the consumer and each attribute by requests; ties in value order, null first", async () => {
  const { json } = await call(handler(new MemoryRollupSource(records)), "range=1h");
  assert.deepEqual(json.top, {
    model: [
      { value: "claude", requests: 2 },
      { value: "gpt-4o", requests: 2 },
    ],
    consumer: [
      { value: "a", requests: 2 },
      { value: null, requests: 1 },
      { value: "b", requests: 1 },
    ],
    "tenant.id": [
      { value: "acme", requests: 2 },
      { value: null, requests: 1 },
      { value: "globex", requests: 1 },
    ],
  });
});

test("a top list keeps the 10 values with the most requests", async () => {
  const many = [];
  for (let m = 1; m <= 12; m++) {
    for (let n = 0; n < m; n++) many.push(ledgerRow("2026-12-03T10:00:00.000Z", { requestModel: `m${m}` }));
  }
  const { json } = await call(handler(new MemoryRollupSource(many)), "range=1h");
  const top = json.top as Record<string, { value: string; requests: number }[]>;
  assert.deepEqual(
    top.model!.map((entry) => [entry.value, entry.requests]),
    [12, 11, 10, 9, 8, 7, 6, 5, 4, 3].map((m) => [`m${m}`, m]),
  );
  assert.deepEqual(top.consumer, [{ value: null, requests: 78 }]);
});

test("hour buckets beyond 6 hours: records of one hour are one value", async () => {
  const source = new MemoryRollupSource(records);
  const { json } = await call(handler(source), "from=2026-12-03T00:00:00Z&to=2026-12-03T12:00:00Z");
  assert.deepEqual(source.queries, [
    { grain: "hour", from: "2026-12-03T00:00:00.000Z", to: "2026-12-03T12:00:00.000Z" },
  ]);
  assert.equal(json.bucket_seconds, 3600);
  const series = json.series as { time: number[]; requests: number[]; input_tokens: number[] };
  assert.equal(series.time.length, 12);
  assert.deepEqual(series.requests, [0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 2, 0]);
  assert.deepEqual(series.input_tokens, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1110, 200, 0]);
});

test("a range without records is zeros throughout; an empty range has no buckets", async () => {
  const quiet = await call(
    handler(new MemoryRollupSource(records)),
    "from=2026-11-01T10:00:00Z&to=2026-11-01T10:03:00Z",
  );
  assert.deepEqual(quiet.json.totals, {
    requests: 0,
    errors: 0,
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    costs: {},
  });
  const series = quiet.json.series as Record<string, unknown>;
  assert.deepEqual(series.requests, [0, 0, 0]);
  assert.deepEqual(series.costs, {});
  assert.deepEqual(quiet.json.top, { model: [], consumer: [], "tenant.id": [] });
  const empty = await call(
    handler(new MemoryRollupSource(records)),
    "from=2026-11-01T10:00:00Z&to=2026-11-01T10:00:00Z",
  );
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.json.series, {
    time: [],
    requests: [],
    errors: [],
    input_tokens: [],
    output_tokens: [],
    costs: {},
  });
  assert.deepEqual(empty.json.overhead, { time: [], p50_ms: [], p99_ms: [] });
});

test("with the ledger off: 404 ledger_off; an unreadable ledger: 503", async () => {
  const off = await call(handler(undefined), "");
  assert.equal(off.status, 404);
  assert.deepEqual(off.json, {
    error: { type: "ledger_off", message: "the ledger is off (--ledger off): no usage is recorded" },
  });
  const source = new MemoryRollupSource(records);
  source.down = true;
  const down = await call(handler(source), "");
  assert.equal(down.status, 503);
  assert.deepEqual(down.json, {
    error: { type: "ledger_unavailable", message: "cannot read the ledger: connect ECONNREFUSED" },
  });
});

test("a bad, repeated or unknown parameter is a 400 naming it", async () => {
  const source = new MemoryRollupSource(records);
  const cases: [string, string][] = [
    ["range=2h", "range"],
    ["range=1h&range=24h", "range"],
    ["range=1h&from=2026-12-01", "range"],
    ["from=2026-12-01T10:00:00", "from"],
    ["to=tomorrow", "to"],
    ["to=2026-12-01&to=2026-12-02", "to"],
    ["from=2026-12-02&to=2026-12-01", "from"],
    ["group_by=model", "group_by"],
    ["Range=1h", "Range"],
  ];
  for (const [query, param] of cases) {
    const { status, json } = await call(handler(source), query);
    assert.equal(status, 400, query);
    const error = json.error as { type: string; param: string; message: string };
    assert.equal(error.type, "invalid_parameter", query);
    assert.equal(error.param, param, query);
    assert.ok(error.message.startsWith(`${param}: `), error.message);
  }
  assert.deepEqual(source.queries, [], "nothing is read for a bad request");
});
