import * as assert from "node:assert/strict";
import { test } from "node:test";
import { type LedgerRow, toLedgerRow } from "../../src/usage/ledger-row.js";
import {
  aggregateRollup,
  bucketOf,
  RollupAccumulator,
  rollupDims,
  rollupRowFrom,
} from "../../src/usage/usage-rollup.js";
import { requestRecord } from "../support/request-record.js";

const T = Date.UTC(2026, 11, 2, 10, 59, 30, 250);

function row(offsetMs: number, overrides: Parameters<typeof requestRecord>[0] = {}): LedgerRow {
  return toLedgerRow(
    requestRecord({
      usage: {
        inputTokens: 10,
        cachedInputTokens: 1,
        cacheCreationInputTokens: 2,
        outputTokens: 5,
        reasoningTokens: 3,
        totalTokens: 15,
      },
      costs: { spend: 2.5, llm_total_token: 15 },
      ...overrides,
    }),
    T + offsetMs,
  );
}

test("rollup: buckets are the minute or hour a record started in, as RFC 3339 UTC ms", () => {
  assert.equal(bucketOf("2026-12-02T10:59:30.250Z", "minute"), "2026-12-02T10:59:00.000Z");
  assert.equal(bucketOf("2026-12-02T10:59:30.250Z", "hour"), "2026-12-02T10:00:00.000Z");
  assert.equal(bucketOf("2026-12-02T10:59:00.000Z", "hour"), "2026-12-02T10:00:00.000Z");
});

test("rollup: records sharing bucket and every dimension are summed into one row; others stay apart", () => {
  const rows = [
    row(0, { consumer: "a" }),
    row(1, { consumer: "a" }),
    row(2, { consumer: "b" }),
    row(40_000, { consumer: "a" }), // 11:00:10, the next minute and hour
    row(3, { consumer: "a", status: 429, error: "rate_limited", costs: {} }),
  ];
  const minutes = aggregateRollup(rows, "minute");
  assert.deepEqual(
    minutes.map((r) => [r.bucket, r.consumer, r.status, r.requests]),
    [
      ["2026-12-02T10:59:00.000Z", "a", 200, 2],
      ["2026-12-02T10:59:00.000Z", "a", 429, 1],
      ["2026-12-02T10:59:00.000Z", "b", 200, 1],
      ["2026-12-02T11:00:00.000Z", "a", 200, 1],
    ],
  );
  assert.deepEqual(minutes[0], {
    bucket: "2026-12-02T10:59:00.000Z",
    consumer: "a",
    attributes: null,
    route: "default/r1",
    original_model: "gpt-x",
    request_model: "gpt-x",
    response_model: "gpt-x",
    backend: "default/b1",
    status: 200,
    requests: 2,
    input_tokens: 20,
    cached_input_tokens: 2,
    cache_creation_input_tokens: 4,
    output_tokens: 10,
    reasoning_tokens: 6,
    total_tokens: 30,
    costs: { spend: 5, llm_total_token: 30 },
  });
  assert.deepEqual(minutes[1]?.costs, {}, "a record without costs adds none");
  const hours = aggregateRollup(rows, "hour");
  assert.deepEqual(
    hours.map((r) => [r.bucket, r.consumer, r.status, r.requests]),
    [
      ["2026-12-02T10:00:00.000Z", "a", 200, 2],
      ["2026-12-02T10:00:00.000Z", "a", 429, 1],
      ["2026-12-02T10:00:00.000Z", "b", 200, 1],
      ["2026-12-02T11:00:00.000Z", "a", 200, 1],
    ],
  );
});

test("rollup: every dimension separates rows, rule, stream and durations do not", () => {
  const base = row(0);
  const variants: Partial<LedgerRow>[] = [
    { consumer: "c" },
    { attributes: { "tenant.id": "acme" } },
    { route: "default/r2" },
    { original_model: "o" },
    { request_model: "q" },
    { response_model: "s" },
    { backend: "default/b2" },
    { status: 500 },
  ];
  const rows = [base, ...variants.map((v) => ({ ...base, ...v }))];
  assert.equal(aggregateRollup(rows, "minute").length, rows.length);
  const same = [base, { ...base, rule: "other", stream: true, duration_ms: 99, ttft_ms: 5, attempts: 3 }];
  assert.deepEqual(
    aggregateRollup(same, "minute").map((r) => r.requests),
    [2],
  );
});

test("rollup: attributes are one value whatever their key order; null, {} and a null consumer are values of their own", () => {
  const rows = [
    row(0, { attributes: { b: "2", a: "1" } }),
    row(1, { attributes: { a: "1", b: "2" } }),
    row(2, { attributes: {} }),
    row(3),
    row(4, { consumer: "" }),
  ];
  const rolled = aggregateRollup(rows, "hour");
  assert.deepEqual(
    rolled.map((r) => [r.consumer, r.attributes, r.requests]),
    [
      ["", null, 1],
      [null, null, 1],
      [null, { a: "1", b: "2" }, 2],
      [null, {}, 1],
    ],
  );
  assert.deepEqual(Object.keys(rolled[2]!.attributes!), ["a", "b"], "keys sorted");
  assert.equal(rollupDims(rows[0]!), rollupDims(rows[1]!));
});

test("rollup: minute rows rolled up again give the hour rows of the records", () => {
  const rows = Array.from({ length: 200 }, (_, i) =>
    row(i * 47_000, { consumer: `c${i % 3}`, status: i % 9 === 0 ? 503 : 200 }),
  );
  const again = new RollupAccumulator(["hour"]);
  for (const minute of aggregateRollup(rows, "minute")) again.addRollup(minute);
  assert.deepEqual(
    again.take().map((e) => e.row),
    aggregateRollup(rows, "hour"),
  );
});

test("rollup: the entries of a batch come for both grains, ordered by grain, bucket and dims (the upsert order)", () => {
  const accumulator = new RollupAccumulator();
  for (const r of [row(60_000, { consumer: "z" }), row(0, { consumer: "y" }), row(1, { consumer: "x" })])
    accumulator.addRecord(r);
  const entries = accumulator.take();
  assert.deepEqual(
    entries.map((e) => [e.grain, e.row.bucket, e.row.consumer]),
    [
      ["hour", "2026-12-02T10:00:00.000Z", "x"],
      ["hour", "2026-12-02T10:00:00.000Z", "y"],
      ["hour", "2026-12-02T11:00:00.000Z", "z"],
      ["minute", "2026-12-02T10:59:00.000Z", "x"],
      ["minute", "2026-12-02T10:59:00.000Z", "y"],
      ["minute", "2026-12-02T11:00:00.000Z", "z"],
    ],
  );
  assert.equal(accumulator.size, 0, "take empties it");
  const first = entries[0]!;
  assert.deepEqual(rollupRowFrom(first.row.bucket, first.dims, first.row), first.row);
});

test("rollup: a record right after one that differs in a single dimension (or bucket) gets a row of its own", () => {
  const base = row(0, { attributes: { a: "1" } });
  const variants: Partial<LedgerRow>[] = [
    { consumer: "c" },
    { attributes: { a: "2" } },
    { attributes: { b: "1" } },
    { attributes: { a: "1", b: "2" } },
    { attributes: null },
    { route: "default/r2" },
    { original_model: "o" },
    { request_model: "q" },
    { response_model: "s" },
    { backend: "default/b2" },
    { status: 500 },
    { time: "2026-12-02T10:58:59.999Z" },
  ];
  // Each variant follows the base record, and the base record follows each variant.
  const rows = [base, ...variants.flatMap((v) => [{ ...base, ...v }, { ...base }])];
  const minutes = aggregateRollup(rows, "minute");
  assert.equal(minutes.length, variants.length + 1);
  assert.equal(minutes.find((r) => r.requests !== 1)?.requests, variants.length + 1, "the base records' row");
  const hours = aggregateRollup([base, { ...base, time: "2026-12-02T11:00:00.000Z" }, { ...base }], "hour");
  assert.deepEqual(
    hours.map((r) => [r.bucket, r.requests]),
    [
      ["2026-12-02T10:00:00.000Z", 2],
      ["2026-12-02T11:00:00.000Z", 1],
    ],
  );
});

test("rollup: records after a take are summed afresh, not into the rows already taken", () => {
  const accumulator = new RollupAccumulator(["minute"]);
  accumulator.addRecord(row(0));
  const first = accumulator.take();
  accumulator.addRecord(row(1));
  accumulator.addRecord(row(2));
  assert.deepEqual(
    first.map((e) => e.row.requests),
    [1],
  );
  assert.deepEqual(
    accumulator.take().map((e) => e.row.requests),
    [2],
  );
});
