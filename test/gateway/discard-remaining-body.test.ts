import * as assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { discardRemainingBody, readRequestBody } from "../../src/gateway/read-request-body.js";
import { startBodyLimitHarness, uploadWhileWriting } from "../support/oversized-body.js";

/**
 * discardRemainingBody after the reader refused a body: the client, still writing, finishes and
 * reads the 413 instead of getting EPIPE; bounded by bytes and time, past which the connection is
 * destroyed; a body declared too long is not read at all.
 */

const LIMIT = 16 * 1024;
const MIB = 1024 * 1024;

test("a chunked body over the limit, written slowly: read to its end, then the client reads the 413", async () => {
  const harness = await startBodyLimitHarness(LIMIT);
  try {
    const seen = await uploadWhileWriting(harness.url, 512 * 1024, { pauseMs: 1 });
    assert.deepEqual(harness.outcomes, ["ended"]);
    assert.equal(seen.status, 413);
    assert.match(seen.text ?? "", /PayloadTooLarge/);
    assert.equal(seen.error, undefined);
  } finally {
    await harness.close();
  }
});

test("a body whose Content-Length is over the limit: read to its end before the 413", async () => {
  const harness = await startBodyLimitHarness(LIMIT);
  try {
    const total = 4 * MIB;
    const seen = await uploadWhileWriting(harness.url, total, { contentLength: total });
    assert.deepEqual(harness.outcomes, ["ended"]);
    assert.equal(seen.status, 413);
    assert.equal(seen.error, undefined);
  } finally {
    await harness.close();
  }
});

test("past maxBytes the connection is destroyed", async () => {
  const harness = await startBodyLimitHarness(LIMIT, { maxBytes: 256 * 1024 });
  try {
    const seen = await uploadWhileWriting(harness.url, 4 * MIB);
    assert.deepEqual(harness.outcomes, ["destroyed"]);
    assert.notEqual(seen.error, undefined);
  } finally {
    await harness.close();
  }
});

test("a Content-Length over maxBytes is not read; the 413 goes out at once", async () => {
  const harness = await startBodyLimitHarness(LIMIT, { maxBytes: 256 * 1024 });
  try {
    const total = 4 * MIB;
    await uploadWhileWriting(harness.url, total, { contentLength: total });
    assert.deepEqual(harness.outcomes, ["not-read"]);
  } finally {
    await harness.close();
  }
});

test("a client that stalls mid-body: destroyed after maxMs", async () => {
  const harness = await startBodyLimitHarness(LIMIT, { maxMs: 200 });
  try {
    const started = performance.now();
    const seen = await uploadWhileWriting(harness.url, MIB, { stopAfter: 128 * 1024 });
    const elapsed = performance.now() - started;
    assert.deepEqual(harness.outcomes, ["destroyed"]);
    assert.equal(seen.status, undefined);
    assert.ok(elapsed >= 180 && elapsed < 2000, `closed after ${elapsed} ms`);
  } finally {
    await harness.close();
  }
});

test("a client that goes away mid-body: closed", async () => {
  const harness = await startBodyLimitHarness(LIMIT);
  try {
    await uploadWhileWriting(harness.url, 4 * MIB, { abortAfter: 256 * 1024, pauseMs: 1 });
    for (let i = 0; harness.outcomes.length === 0 && i < 100; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(harness.outcomes, ["closed"]);
  } finally {
    await harness.close();
  }
});

test("a body already read to its end: ended at once", async () => {
  const server = createServer(async (req, res) => {
    await readRequestBody(req, LIMIT);
    const outcome = await discardRemainingBody(req);
    res.end(outcome);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "small" });
    assert.equal(await res.text(), "ended");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
