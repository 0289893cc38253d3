import * as assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { readSseEvents } from "../../src/mcp/read-sse-events.js";

const event = (data: string) => `data: ${data}\n\n`;

test("after the awaited event the rest of the body drains to its end instead of being destroyed", async () => {
  const body = new PassThrough();
  const seen: string[] = [];
  const taken = readSseEvents(body, (e) => {
    seen.push(e.data);
    return e.data === "response";
  });
  body.write(event("progress") + event("response"));
  assert.equal(await taken, true);
  body.write(event("after"));
  body.end();
  await new Promise((resolve) => body.once("end", resolve));
  assert.equal(body.destroyed, true, "ended normally (autoDestroy), not cut");
  assert.deepEqual(seen, ["progress", "response"], "nothing after the response is handed on");
});

test("a body still open after the response is cut once the drain time is up", async () => {
  const body = new PassThrough();
  const taken = readSseEvents(body, (e) => e.data === "response", 20);
  body.write(event("response"));
  assert.equal(await taken, true);
  assert.equal(body.destroyed, false);
  // The drain timer is unref'd (it must not hold a gateway open): keep the test's loop alive.
  const alive = setTimeout(() => undefined, 1000);
  await new Promise((resolve) => body.once("close", resolve));
  clearTimeout(alive);
  assert.equal(body.readableEnded, false, "cut, not ended");
});

test("a body that ends without the awaited event resolves false; one that fails first rejects", async () => {
  const ended = new PassThrough();
  const none = readSseEvents(ended, () => false);
  ended.end(event("other"));
  assert.equal(await none, false);
  const broken = new PassThrough();
  const failed = readSseEvents(broken, () => false);
  broken.destroy(new Error("reset"));
  await assert.rejects(failed, /reset/);
});
