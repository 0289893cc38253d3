import * as assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AccessLogWriter } from "../../src/gateway/access-log-writer.js";

test("lines wait for the batch's delay, then go out together, in order", async () => {
  const writes: string[] = [];
  const writer = new AccessLogWriter((bytes) => writes.push(bytes.toString()), 30);
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
  const writer = new AccessLogWriter((bytes) => writes.push(bytes.toString()), 60_000, 40);
  writer.write("12345");
  writer.write("67890");
  assert.deepEqual(writes, []);
  // 12 bytes used; the next line may need up to 3 * 10 + 1 = 31 more: the batch goes first.
  writer.write("abcdefghij");
  assert.deepEqual(writes, ["12345\n67890\n"], "a full batch is written without the timer");
  writer.write("x");
  writer.flush();
  assert.deepEqual(writes, ["12345\n67890\n", "abcdefghij\nx\n"]);
  writer.flush();
  assert.equal(writes.length, 2, "nothing waiting, nothing written");
});

test("lines with characters of every width come out as UTF-8, and a line larger than a batch goes alone", () => {
  const writes: Buffer[] = [];
  const writer = new AccessLogWriter((bytes) => writes.push(Buffer.from(bytes)), 60_000, 64);
  writer.write("é€😀");
  writer.write("x".repeat(100));
  writer.write("tail");
  writer.flush();
  assert.deepEqual(
    writes.map((b) => b.toString("utf8")),
    ["é€😀\n", `${"x".repeat(100)}\n`, "tail\n"],
  );
});
