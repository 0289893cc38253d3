import * as assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AccessLogWriter } from "../../src/gateway/access-log-writer.js";

test("lines wait for the batch's delay, then go out together, in order", async () => {
  const writes: string[] = [];
  const writer = new AccessLogWriter((text) => writes.push(text), 30);
  writer.write("a");
  writer.write("b");
  await sleep(5);
  assert.deepEqual(writes, [], "not before the delay");
  await sleep(60);
  assert.deepEqual(writes, ["a\nb\n"]);
  writer.write("c");
  await sleep(60);
  assert.deepEqual(writes, ["a\nb\n", "c\n"], "the next batch has a timer of its own");
});

test("a full batch is written at once, and flush writes what waits", () => {
  const writes: string[] = [];
  const writer = new AccessLogWriter((text) => writes.push(text), 60_000, 10);
  writer.write("12345");
  assert.deepEqual(writes, []);
  writer.write("67890");
  assert.deepEqual(writes, ["12345\n67890\n"], "10 characters waiting: written without the timer");
  writer.write("x");
  writer.flush();
  assert.deepEqual(writes, ["12345\n67890\n", "x\n"]);
  writer.flush();
  assert.equal(writes.length, 2, "nothing waiting, nothing written");
});
