import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  bucketIndexer,
  bucketTimes,
  type ConsoleRange,
  parseConsoleRange,
  rollupQuery,
} from "../../src/console/console-range.js";
import { UsageParameterError } from "../../src/usage/usage-parameters.js";

const NOW = Date.parse("2026-12-03T10:37:12.345Z");
const range = (query: string, nowMs = NOW) => parseConsoleRange(new URLSearchParams(query), nowMs);
const stated = (r: ConsoleRange) => ({
  from: r.from,
  to: r.to,
  bucket_seconds: r.bucketMs / 1000,
  buckets: r.buckets,
});

test("by default the last 24 hours by the hour: from rounded down, to now (its bucket still going)", () => {
  const r = range("");
  assert.deepEqual(stated(r), {
    from: "2026-12-02T10:00:00.000Z",
    to: "2026-12-03T10:37:12.345Z",
    bucket_seconds: 3600,
    buckets: 25,
  });
  assert.equal(r.grain, "hour");
  assert.equal(r.toMs, Date.parse("2026-12-03T11:00:00.000Z"), "the last bucket is whole");
  assert.deepEqual(rollupQuery(r), {
    grain: "hour",
    from: "2026-12-02T10:00:00.000Z",
    to: "2026-12-03T11:00:00.000Z",
  });
  assert.deepEqual(range("range=24h"), r);
});

test("range=1h is by the minute; 7d and 30d by the hour", () => {
  const hour = range("range=1h");
  assert.deepEqual(stated(hour), {
    from: "2026-12-03T09:37:00.000Z",
    to: "2026-12-03T10:37:12.345Z",
    bucket_seconds: 60,
    buckets: 61,
  });
  assert.equal(hour.grain, "minute");
  assert.deepEqual(rollupQuery(hour).to, "2026-12-03T10:38:00.000Z");
  assert.equal(range("range=7d").buckets, 7 * 24 + 1);
  assert.equal(range("range=7d").from, "2026-11-26T10:00:00.000Z");
  assert.equal(range("range=30d").buckets, 30 * 24 + 1);
  assert.equal(range("range=30d").grain, "hour");
});

test("a whole minute or hour of now is not rounded: to is exactly now, the buckets end there", () => {
  const onTheHour = Date.parse("2026-12-03T10:00:00.000Z");
  const r = range("range=24h", onTheHour);
  assert.deepEqual(stated(r), {
    from: "2026-12-02T10:00:00.000Z",
    to: "2026-12-03T10:00:00.000Z",
    bucket_seconds: 3600,
    buckets: 24,
  });
});

test("from/to: minute buckets up to 6 hours, hour buckets beyond; past ends are rounded up", () => {
  const six = range("from=2026-12-01T10:30:15Z&to=2026-12-01T16:30:15Z");
  assert.deepEqual(stated(six), {
    from: "2026-12-01T10:30:00.000Z",
    to: "2026-12-01T16:31:00.000Z",
    bucket_seconds: 60,
    buckets: 361,
  });
  const longer = range("from=2026-12-01T10:30:15Z&to=2026-12-01T16:30:15.001Z");
  assert.deepEqual(stated(longer), {
    from: "2026-12-01T10:00:00.000Z",
    to: "2026-12-01T17:00:00.000Z",
    bucket_seconds: 3600,
    buckets: 7,
  });
  const month = range("from=2026-11-01&to=2026-12-01");
  assert.deepEqual(stated(month), {
    from: "2026-11-01T00:00:00.000Z",
    to: "2026-12-01T00:00:00.000Z",
    bucket_seconds: 3600,
    buckets: 720,
  });
  const offset = range("from=2026-12-01T10:00:00%2B01:00&to=2026-12-01T11:00:00%2B01:00");
  assert.equal(offset.from, "2026-12-01T09:00:00.000Z", "offsets are read as the usage API reads them");
});

test("from/to as the usage API defaults them: to now, from the start of today", () => {
  assert.deepEqual(stated(range("from=2026-12-03T10:00:00Z")), {
    from: "2026-12-03T10:00:00.000Z",
    to: "2026-12-03T10:37:12.345Z",
    bucket_seconds: 60,
    buckets: 38,
  });
  assert.deepEqual(stated(range("to=2026-12-03T10:00:00Z")), {
    from: "2026-12-03T00:00:00.000Z",
    to: "2026-12-03T10:00:00.000Z",
    bucket_seconds: 3600,
    buckets: 10,
  });
});

test("a to earlier in now's bucket is stated as now; a future to is rounded up as asked", () => {
  assert.equal(range("from=2026-12-03T10:00:00Z&to=2026-12-03T10:37:01Z").to, "2026-12-03T10:37:12.345Z");
  const future = range("from=2026-12-03T10:00:00Z&to=2026-12-03T11:00:00.5Z");
  assert.equal(future.to, "2026-12-03T11:01:00.000Z");
  assert.equal(future.buckets, 61);
});

test("an empty range on a bucket's edge has no buckets; one inside a bucket has that bucket", () => {
  const empty = range("from=2026-12-01T10:00:00Z&to=2026-12-01T10:00:00Z");
  assert.deepEqual(stated(empty), {
    from: "2026-12-01T10:00:00.000Z",
    to: "2026-12-01T10:00:00.000Z",
    bucket_seconds: 60,
    buckets: 0,
  });
  assert.deepEqual(bucketTimes(empty), []);
  assert.equal(range("from=2026-12-01T10:00:30Z&to=2026-12-01T10:00:30Z").buckets, 1);
});

test("the buckets' times are epoch seconds; a row's bucket is found by its start", () => {
  const r = range("from=2026-12-01T10:00:00Z&to=2026-12-01T10:03:00Z");
  const start = Date.parse("2026-12-01T10:00:00Z") / 1000;
  assert.deepEqual(bucketTimes(r), [start, start + 60, start + 120]);
  const bucketIndex = bucketIndexer(r);
  assert.equal(bucketIndex("2026-12-01T10:00:00.000Z"), 0);
  assert.equal(bucketIndex("2026-12-01T10:02:00.000Z"), 2);
  for (const outside of [
    "2026-12-01T10:03:00.000Z",
    "2026-12-01T09:59:00.000Z",
    "2026-12-01T10:01:30.000Z",
    "2026-12-01T10:01:00Z",
  ]) {
    assert.throws(() => bucketIndex(outside), /outside the range asked for/, outside);
  }
});

test("bad ranges are refused naming the parameter", () => {
  const cases: [string, string][] = [
    ["range=2h", "range"],
    ["range=", "range"],
    // Names every object has: not ranges.
    ["range=constructor", "range"],
    ["range=__proto__", "range"],
    ["range=toString", "range"],
    ["range=24h&range=1h", "range"],
    ["range=24h&from=2026-12-01", "range"],
    ["range=1h&to=2026-12-01", "range"],
    ["from=yesterday", "from"],
    ["to=2026-13-01", "to"],
    ["from=2026-12-01&from=2026-12-02", "from"],
    ["from=2026-12-02&to=2026-12-01", "from"],
    ["from=2025-11-01&to=2026-12-06T00:00:00.001Z", "from"],
  ];
  for (const [query, param] of cases) {
    assert.throws(
      () => range(query),
      (err: unknown) => err instanceof UsageParameterError && err.param === param,
      query,
    );
  }
  assert.equal(range("from=2025-11-01&to=2026-12-06").buckets, 400 * 24, "400 days are answered");
});
