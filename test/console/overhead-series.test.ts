import assert from "node:assert/strict";
import { test } from "node:test";
import { OverheadSeries } from "../../src/console/overhead-series.js";
import { requestRecord } from "../support/request-record.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** An hour boundary, so that minute and hour buckets line up with it. */
const T0 = Date.UTC(2026, 11, 2, 10);

/** A routed request of `durationMs` whose one attempt took `upstreamMs`, finished at `endMs`. */
function observe(series: OverheadSeries, endMs: number, durationMs: number, upstreamMs: number): void {
  series.observe(
    requestRecord({
      durationMs,
      attempts: [{ backend: "default/b1", status: 200, error: undefined, durationMs: upstreamMs }],
    }),
    endMs,
  );
}

test("overhead is the duration less the attempts' time, per minute bucket, null where nothing was served", () => {
  const s = new OverheadSeries();
  // Minute 0: overheads 1 ms (x99) and 10 ms (x1); minute 2: 0.5 ms.
  for (let i = 0; i < 99; i++) observe(s, T0 + 1000 + 101, 101, 100);
  observe(s, T0 + 2000 + 110, 110, 100);
  observe(s, T0 + 2 * MINUTE + 1000, 20.5, 20);
  const { p50_ms, p99_ms } = s.series(T0, T0 + 3 * MINUTE, MINUTE);
  assert.equal(p50_ms.length, 3);
  assert.ok(Math.abs(p50_ms[0]! - 1) < 0.05, `p50 ${p50_ms[0]}`);
  assert.ok(Math.abs(p99_ms[0]! - 1) < 0.05, "p99 of 100 values is the 99th: still 1 ms");
  assert.equal(p50_ms[1], null);
  assert.equal(p99_ms[1], null);
  assert.ok(Math.abs(p50_ms[2]! - 0.5) < 0.025);
});

test("never negative; requests that reached no route are not counted; several attempts are summed", () => {
  const s = new OverheadSeries();
  observe(s, T0 + 1000, 5, 9);
  s.observe(requestRecord({ route: undefined, durationMs: 50 }), T0 + 1000);
  s.observe(
    requestRecord({
      durationMs: 32,
      attempts: [
        { backend: "default/a", status: 500, error: undefined, durationMs: 10 },
        { backend: "default/b", status: 200, error: undefined, durationMs: 20 },
      ],
    }),
    T0 + 1000,
  );
  const { p50_ms, p99_ms } = s.series(T0, T0 + MINUTE, MINUTE);
  assert.equal(p50_ms[0], 0);
  assert.ok(Math.abs(p99_ms[0]! - 2) < 0.1, `p99 ${p99_ms[0]}`);
});

test("a request counts at its start time, as the ledger's records do", () => {
  const s = new OverheadSeries();
  // Started in minute 0 (50 s in), finished in minute 1.
  observe(s, T0 + 50_000 + 20_000, 20_000, 19_990);
  const { p50_ms } = s.series(T0, T0 + 2 * MINUTE, MINUTE);
  assert.ok(p50_ms[0] !== null);
  assert.equal(p50_ms[1], null);
});

test("hour buckets read hour slots; other sizes merge minute slots", () => {
  const s = new OverheadSeries();
  observe(s, T0 + 5 * MINUTE, 2, 1);
  observe(s, T0 + 50 * MINUTE, 4, 1);
  observe(s, T0 + HOUR + MINUTE, 9, 1);
  const hours = s.series(T0, T0 + 2 * HOUR, HOUR);
  assert.equal(hours.p50_ms.length, 2);
  assert.ok(Math.abs(hours.p50_ms[0]! - 1) < 0.05);
  assert.ok(Math.abs(hours.p99_ms[0]! - 3) < 0.15);
  assert.ok(Math.abs(hours.p50_ms[1]! - 8) < 0.4);
  const halfHours = s.series(T0, T0 + HOUR, HOUR / 2);
  assert.ok(Math.abs(halfHours.p50_ms[0]! - 1) < 0.05);
  assert.ok(Math.abs(halfHours.p50_ms[1]! - 3) < 0.15);
});

test("minute slots are kept for 6 hours, hour slots for 30 days: older ones are null", () => {
  const s = new OverheadSeries();
  observe(s, T0 + 1000, 2, 1);
  // 6 hours later the same minute slot is taken by a newer minute; 30 days later the hour slot.
  observe(s, T0 + 6 * HOUR + 1000, 3, 1);
  assert.equal(s.series(T0, T0 + MINUTE, MINUTE).p50_ms[0], null);
  assert.ok(s.series(T0 + 6 * HOUR, T0 + 6 * HOUR + MINUTE, MINUTE).p50_ms[0] !== null);
  assert.ok(s.series(T0, T0 + HOUR, HOUR).p50_ms[0] !== null, "the hour is still held");
  // A late report of a minute the ring has already moved past leaves the newer minute alone.
  observe(s, T0 + 2000, 1.5, 1);
  assert.ok(Math.abs(s.series(T0 + 6 * HOUR, T0 + 6 * HOUR + MINUTE, MINUTE).p50_ms[0]! - 2) < 0.1);
  observe(s, T0 + 30 * 24 * HOUR + 1000, 3, 1);
  assert.equal(s.series(T0, T0 + HOUR, HOUR).p50_ms[0], null);
});

test("an empty or inverted range has no buckets", () => {
  const s = new OverheadSeries();
  assert.deepEqual(s.series(T0, T0, MINUTE), { p50_ms: [], p99_ms: [] });
  assert.deepEqual(s.series(T0 + MINUTE, T0, MINUTE), { p50_ms: [], p99_ms: [] });
  assert.deepEqual(s.series(T0, T0 + MINUTE, 0), { p50_ms: [], p99_ms: [] });
});
