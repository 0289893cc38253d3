import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { boundedSignal } from "../../src/mcp/bounded-signal.js";

test("a bounded signal aborts with the parent's reason when the parent aborts", () => {
  const parent = new AbortController();
  const { signal } = boundedSignal(parent.signal, 10_000);
  assert.equal(signal.aborted, false);
  const reason = new Error("client went away");
  parent.abort(reason);
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, reason);
});

test("a bounded signal of an already aborted parent starts aborted", () => {
  const parent = new AbortController();
  parent.abort();
  assert.equal(boundedSignal(parent.signal, 10_000).signal.aborted, true);
});

test("a bounded signal aborts with a TimeoutError when its bound passes", async () => {
  const { signal } = boundedSignal(new AbortController().signal, 5);
  await sleep(30);
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as DOMException).name, "TimeoutError");
});

test("after done(), neither the bound nor the parent aborts the signal", async () => {
  const parent = new AbortController();
  const bounded = boundedSignal(parent.signal, 5);
  bounded.done();
  await sleep(30);
  parent.abort();
  assert.equal(bounded.signal.aborted, false);
});
