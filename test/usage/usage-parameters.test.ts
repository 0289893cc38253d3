import * as assert from "node:assert/strict";
import { test } from "node:test";
import { parseRfc3339 } from "../../src/usage/usage-parameters.js";

test("RFC 3339 times with Z or an offset, fractions, and plain dates", () => {
  assert.equal(parseRfc3339("2026-12-02T10:00:00Z"), Date.UTC(2026, 11, 2, 10));
  assert.equal(parseRfc3339("2026-12-02t10:00:00z"), Date.UTC(2026, 11, 2, 10));
  assert.equal(parseRfc3339("2026-12-02 10:00:00Z"), Date.UTC(2026, 11, 2, 10));
  assert.equal(parseRfc3339("2026-12-02T10:00:00.25Z"), Date.UTC(2026, 11, 2, 10, 0, 0, 250));
  assert.equal(parseRfc3339("2026-12-02T10:00:00+01:30"), Date.UTC(2026, 11, 2, 8, 30));
  assert.equal(parseRfc3339("2026-12-02T10:00:00-05:00"), Date.UTC(2026, 11, 2, 15));
  assert.equal(parseRfc3339("2026-12-02"), Date.UTC(2026, 11, 2));
  assert.equal(parseRfc3339("2024-02-29"), Date.UTC(2024, 1, 29), "a leap day");
});

test("a '+' that a query string decoded to a space is read as '+'", () => {
  assert.equal(parseRfc3339("2026-12-02T10:00:00 01:00"), Date.UTC(2026, 11, 2, 9));
});

test("a fraction below the millisecond rounds up, keeping from inclusive and to exclusive at ms precision", () => {
  assert.equal(parseRfc3339("2026-12-02T10:00:00.123Z"), Date.UTC(2026, 11, 2, 10, 0, 0, 123));
  assert.equal(parseRfc3339("2026-12-02T10:00:00.1231Z"), Date.UTC(2026, 11, 2, 10, 0, 0, 124));
  assert.equal(parseRfc3339("2026-12-02T10:00:00.000000001Z"), Date.UTC(2026, 11, 2, 10, 0, 0, 1));
});

test("anything else is not a time", () => {
  for (const text of [
    "",
    "yesterday",
    "2026-12-02T10:00:00",
    "2026-12-02T10:00Z",
    "2026-13-01",
    "2026-02-29",
    "2026-04-31",
    "2026-12-02T24:00:00Z",
    "2026-12-02T10:60:00Z",
    "2026-12-02T10:00:60Z",
    "2026-12-02T10:00:00+24:00",
    "1733097600",
    "+12026-01-01",
  ]) {
    assert.equal(parseRfc3339(text), undefined, text);
  }
});
