import * as assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_LEDGER_SETTINGS, Ledger, type LedgerSettings } from "../../src/usage/ledger.js";
import { LedgerSpill } from "../../src/usage/ledger-spill.js";
import { MemoryLedgerStore } from "../support/memory-ledger-store.js";
import { requestRecord } from "../support/request-record.js";
import { waitFor } from "../support/wait-for.js";

interface Setup {
  ledger: Ledger;
  store: MemoryLedgerStore;
  logs: string[];
  dataHome: string;
  spill: LedgerSpill;
}

function setup(settings: Partial<LedgerSettings>, store = new MemoryLedgerStore(), dataHome?: string): Setup {
  const home = dataHome ?? mkdtempSync(join(tmpdir(), "aigw-ledger-"));
  const logs: string[] = [];
  const spill = new LedgerSpill(home, "memory");
  const ledger = new Ledger(
    store,
    spill,
    { ...DEFAULT_LEDGER_SETTINGS, retryMinMs: 10, retryMaxMs: 40, ...settings },
    (line) => logs.push(line),
  );
  return { ledger, store, logs, dataHome: home, spill };
}

function recordN(ledger: Ledger, n: number): void {
  for (let i = 0; i < n; i++) ledger.record(requestRecord(), Date.now());
}

function spilledRows(dataHome: string): number {
  const dir = join(dataHome, "ledger-spill");
  let lines = 0;
  for (const name of readdirSync(dir)) {
    lines += readFileSync(join(dir, name), "utf8").split("\n").filter(Boolean).length;
  }
  return lines;
}

test("a full batch is written at once, in one insert", async () => {
  const { ledger, store } = setup({ batchSize: 3, flushIntervalMs: 60_000 });
  recordN(ledger, 3);
  await waitFor("the batch", () => store.rows.size === 3);
  assert.deepEqual(store.batches, [3]);
  await ledger.close(1000);
});

test("a batch that does not fill is written flushIntervalMs after its first row", async () => {
  const { ledger, store } = setup({ batchSize: 100, flushIntervalMs: 80 });
  recordN(ledger, 2);
  await sleep(30);
  assert.equal(store.rows.size, 0, "not before the interval");
  recordN(ledger, 1);
  await waitFor("the timed batch", () => store.rows.size === 3);
  assert.deepEqual(store.batches, [3], "the rows of one interval go together");
  await ledger.close(1000);
});

test("requests that did not reach routing, or that authentication refused, write nothing", async () => {
  const { ledger, store } = setup({ batchSize: 1 });
  ledger.record(requestRecord({ route: undefined, status: 404 }), Date.now());
  ledger.record(requestRecord({ authRefused: true, status: 401 }), Date.now());
  await ledger.close(1000);
  assert.equal(store.rows.size, 0);
  assert.deepEqual(store.batches, []);
});

test("a failed write is retried with back-off, one line logged per outage, and nothing is lost", async () => {
  const store = new MemoryLedgerStore();
  const { ledger, logs } = setup({ batchSize: 2, flushIntervalMs: 20 }, store);
  await sleep(5);
  store.down = true;
  recordN(ledger, 5);
  await waitFor("a few retries", () => store.batches.length >= 4);
  assert.equal(store.rows.size, 0);
  assert.equal(logs.filter((l) => /unreachable/.test(l)).length, 1, logs.join("\n"));
  assert.match(logs[0]!, /ledger memory unreachable \(connect ECONNREFUSED\)/);
  store.down = false;
  recordN(ledger, 1);
  await waitFor("every row", () => store.rows.size === 6);
  assert.equal(logs.filter((l) => /reachable again/.test(l)).length, 1, logs.join("\n"));
  await ledger.close(1000);
});

test("a batch that was written but reported failed is retried, and each record is kept once", async () => {
  const store = new MemoryLedgerStore();
  store.failAfterWriting = 1;
  const { ledger } = setup({ batchSize: 4, flushIntervalMs: 20 }, store);
  recordN(ledger, 4);
  await waitFor("the retry", () => store.batches.length === 2);
  assert.deepEqual(store.batches, [4, 4], "the same batch went twice");
  assert.equal(store.rows.size, 4);
  await ledger.close(1000);
});

test("memory is bounded during an outage: older rows are spilled to a file and written when the database is back", async () => {
  const store = new MemoryLedgerStore();
  store.down = true;
  const { ledger, dataHome } = setup({ batchSize: 5, flushIntervalMs: 20, maxBufferedRows: 20 }, store);
  recordN(ledger, 73);
  await waitFor("the spill files", () => {
    try {
      return spilledRows(dataHome) >= 73 - 20;
    } catch {
      return false;
    }
  });
  store.down = false;
  await waitFor("every row, spilled or not", () => store.rows.size === 73);
  await waitFor("the spill files to go", () => readdirSync(join(dataHome, "ledger-spill")).length === 0);
  await ledger.close(1000);
  assert.equal(store.rows.size, 73);
});

test("close writes what is buffered, partial batch included, then closes the store", async () => {
  const { ledger, store } = setup({ batchSize: 100, flushIntervalMs: 60_000 });
  recordN(ledger, 7);
  await ledger.close(1000);
  assert.equal(store.rows.size, 7);
  assert.equal(store.closed, true);
});

test("close with the database unreachable spills what is left; the next start writes it", async () => {
  const down = new MemoryLedgerStore();
  down.down = true;
  const first = setup({ batchSize: 100, flushIntervalMs: 60_000 }, down);
  recordN(first.ledger, 9);
  const started = Date.now();
  await first.ledger.close(500);
  assert.ok(Date.now() - started < 2000);
  assert.equal(spilledRows(first.dataHome), 9);
  assert.ok(
    first.logs.some((l) => /9 records not written at shutdown, kept in .*ledger-spill/.test(l)),
    first.logs.join("\n"),
  );

  // The same data home and destination, this process's pid: the files are its own to replay.
  const next = setup({}, new MemoryLedgerStore(), first.dataHome);
  await waitFor("the replay", () => next.store.rows.size === 9);
  await waitFor(
    "the spill files to go",
    () => readdirSync(join(first.dataHome, "ledger-spill")).length === 0,
  );
  assert.ok(
    next.logs.some((l) => /wrote 9 spilled records/.test(l)),
    next.logs.join("\n"),
  );
  await next.ledger.close(1000);
});

test("close waits at most its deadline for a write that hangs, and spills that batch too", async () => {
  const store = new MemoryLedgerStore();
  store.insert = () => new Promise(() => undefined);
  const { ledger, dataHome } = setup({ batchSize: 3, flushIntervalMs: 60_000 }, store);
  recordN(ledger, 5);
  const started = Date.now();
  await ledger.close(200);
  assert.ok(Date.now() - started < 1500);
  assert.equal(spilledRows(dataHome), 5, "the batch in flight and the rest");
});

test("flush writes a partial batch at once for a reader, and returns at once while the database is down", async () => {
  const store = new MemoryLedgerStore();
  const { ledger } = setup({ batchSize: 100, flushIntervalMs: 60_000 }, store);
  recordN(ledger, 3);
  await ledger.flush(1000);
  assert.equal(store.rows.size, 3);
  store.down = true;
  recordN(ledger, 100);
  await waitFor("the outage to be seen", () => store.batches.length >= 2);
  const started = Date.now();
  await ledger.flush(5000);
  assert.ok(Date.now() - started < 100, "no wait on an unreachable database");
  store.down = false;
  await ledger.close(1000);
  assert.equal(store.rows.size, 103);
});

test("an unreachable database at start is retried until it answers, then spilled records are replayed", async () => {
  const store = new MemoryLedgerStore();
  store.down = true;
  const { ledger, logs } = setup({}, store);
  await waitFor("a few attempts", () => store.opens >= 3);
  assert.equal(logs.filter((l) => /unreachable/.test(l)).length, 1);
  store.down = false;
  await waitFor("the recovery", () => logs.some((l) => /reachable again/.test(l)));
  await ledger.close(1000);
});

test("rollup reads the store's rollups without writing what is queued first (the ledger writes it within its interval)", async () => {
  const { ledger, store } = setup({ batchSize: 100, flushIntervalMs: 60 });
  recordN(ledger, 2);
  const hour = { grain: "hour" as const, from: "2000-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z" };
  assert.deepEqual(await ledger.rollup(hour), [], "queued records are not flushed by a rollup");
  await waitFor("the batch", () => store.rows.size === 2);
  const rolled = await ledger.rollup(hour);
  assert.equal(
    rolled.reduce((n, r) => n + r.requests, 0),
    2,
  );
  await ledger.close(1000);
});
