import * as assert from "node:assert/strict";
import { test } from "node:test";
import { createdFromDateHeader } from "../../src/providers/created-from-date-header.js";

test("created is the upstream Date header in Unix seconds, for each header as it comes", () => {
  const first = { date: "Sun, 22 Nov 2026 08:00:00 GMT" };
  const second = { date: "Sun, 22 Nov 2026 08:00:01 GMT" };
  assert.equal(createdFromDateHeader(first), 1795334400);
  assert.equal(createdFromDateHeader(first), 1795334400);
  assert.equal(createdFromDateHeader(second), 1795334401);
  assert.equal(createdFromDateHeader({ date: [first.date] }), 1795334400);
  assert.equal(createdFromDateHeader({}), 0);
  assert.equal(createdFromDateHeader({ date: "not a date" }), 0);
  assert.equal(createdFromDateHeader(second), 1795334401);
});
