import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { LedgerUnavailableError } from "../../src/usage/ledger-store.js";
import { SqliteLedgerStore } from "../../src/usage/sqlite-ledger-store.js";
import { WorkerLedgerStore } from "../../src/usage/worker-ledger-store.js";
import { requestRecord } from "../support/request-record.js";
import { ledgerStoreContract } from "./ledger-store-contract.js";

const newFile = () => join(mkdtempSync(join(tmpdir(), "aigw-worker-")), "ledger.sqlite");
const ALL = { from: "2000-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z", limit: 1000 };
const sqlite = (path: string) => WorkerLedgerStore.open(path);

ledgerStoreContract("worker sqlite", () => sqlite(newFile()));

test("worker: the store's name comes from the store in the thread", async () => {
  const file = newFile();
  const store = await sqlite(file);
  assert.equal(store.name, `sqlite ${file}`);
  await store.close();
});

test("worker: a SQLite file this process holds, by a worker or by itself, is refused to another", async () => {
  const file = newFile();
  const store = await sqlite(file);
  await assert.rejects(sqlite(file), (err: Error) => {
    assert.ok(err instanceof LedgerUnavailableError, String(err));
    assert.match(err.message, new RegExp(`in use by process ${process.pid}`));
    return true;
  });
  await store.close();
  const direct = await SqliteLedgerStore.open(file);
  await assert.rejects(sqlite(file), LedgerUnavailableError, "the pid lock, seen from the worker");
  await direct.close();
  await (await sqlite(file)).close();
});

test("worker: a failure in the thread reaches the caller with its message", async () => {
  const store = await sqlite(newFile());
  await store.insert([toLedgerRow(requestRecord(), Date.now())]);
  const bad = { from: {} as string, to: "2027-01-01T00:00:00.000Z", limit: 10 };
  await assert.rejects(store.page(bad), /^Error: Unsupported type for binding: "object"$/);
  await store.close();
  await assert.rejects(store.page(ALL), /is closed/);
});

test("worker: a thread that dies fails the request out, and the next request starts another", async () => {
  const file = newFile();
  const store = await sqlite(file);
  const first = toLedgerRow(requestRecord({ consumer: "before" }), Date.now());
  await store.insert([first]);
  const reading = store.page(ALL);
  await store.crashWorker();
  await assert.rejects(reading, /worker thread stopped/);
  const second = toLedgerRow(requestRecord({ consumer: "after" }), Date.now() + 1);
  await store.insert([second]);
  assert.deepEqual(
    (await store.page(ALL)).map((r) => r.consumer),
    ["after", "before"],
  );
  await store.close();
});
