import assert from "node:assert/strict";
import { test } from "node:test";
import { isoTimestamp } from "../../src/util/iso-timestamp.js";

test("isoTimestamp equals Date#toISOString, within a second, across seconds and back again", () => {
  const base = Date.parse("2026-12-31T23:59:58.990Z");
  // Forward through a year boundary millisecond by millisecond, then jumps back (a cached second
  // must never leak into an earlier or later one).
  for (let ms = base; ms < base + 2_050; ms++) assert.equal(isoTimestamp(ms), new Date(ms).toISOString());
  for (const ms of [0, 999, 1_000, 86_399_999, base + 5, base - 1_000_000, 253_402_300_799_999]) {
    assert.equal(isoTimestamp(ms), new Date(ms).toISOString());
  }
});

test("isoTimestamp drops the fraction of a millisecond as Date does", () => {
  const ms = Date.parse("2026-12-02T10:00:00.042Z");
  assert.equal(isoTimestamp(ms + 0.75), "2026-12-02T10:00:00.042Z");
  assert.equal(isoTimestamp(ms + 0.75), new Date(ms + 0.75).toISOString());
});
