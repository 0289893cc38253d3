import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { LedgerUnavailableError } from "../../src/usage/ledger-store.js";
import { SqliteLedgerStore } from "../../src/usage/sqlite-ledger-store.js";
import { requestRecord } from "../support/request-record.js";
import { ledgerStoreContract } from "./ledger-store-contract.js";

const newFile = () => join(mkdtempSync(join(tmpdir(), "aigw-sqlite-")), "nested", "ledger.sqlite");
const ALL = { from: "2000-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z", limit: 1000 };

ledgerStoreContract("sqlite", () => SqliteLedgerStore.open(newFile()));

const live = spawn("sleep", ["60"], { stdio: "ignore" });
after(() => live.kill("SIGKILL"));

test("sqlite: the file and its directory are created, and records survive closing and opening again", async () => {
  const file = newFile();
  const store = await SqliteLedgerStore.open(file);
  const row = toLedgerRow(requestRecord({ consumer: "c" }), Date.now());
  await store.insert([row]);
  await store.close();
  assert.equal(existsSync(`${file}.pid`), false, "the lock goes with the store");
  const again = await SqliteLedgerStore.open(file);
  assert.deepEqual(await again.page(ALL), [row]);
  await again.close();
});

test("sqlite: a file another live process holds is refused, pointing at postgres:// for replicas", async () => {
  const file = newFile();
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(`${file}.pid`, `${live.pid}\n`);
  await assert.rejects(SqliteLedgerStore.open(file), (err: Error) => {
    assert.ok(err instanceof LedgerUnavailableError);
    assert.match(err.message, new RegExp(`in use by process ${live.pid}`));
    assert.match(err.message, /use postgres:\/\/ for replicas/);
    return true;
  });
  assert.equal(readFileSync(`${file}.pid`, "utf8").trim(), String(live.pid), "its lock is left alone");
});

test("sqlite: the same file twice in one process is refused too", async () => {
  const file = newFile();
  const store = await SqliteLedgerStore.open(file);
  await assert.rejects(SqliteLedgerStore.open(file), LedgerUnavailableError);
  await store.close();
  await (await SqliteLedgerStore.open(file)).close();
});

test("sqlite: the lock of a process that is gone, and the binding's lock directory it left, are taken over", async () => {
  const file = newFile();
  const first = await SqliteLedgerStore.open(file);
  await first.insert([toLedgerRow(requestRecord(), Date.now())]);
  await first.close();
  // What a SIGKILL inside a transaction leaves: the pid file and the binding's `<file>.lock` directory.
  writeFileSync(`${file}.pid`, "999999999\n");
  mkdirSync(`${file}.lock`);
  const store = await SqliteLedgerStore.open(file);
  assert.equal(readFileSync(`${file}.pid`, "utf8").trim(), String(process.pid));
  await store.insert([toLedgerRow(requestRecord(), Date.now())]);
  assert.equal((await store.page(ALL)).length, 2);
  await store.close();
});

test("sqlite: what a process committed before it was killed is there when the file is opened again", async () => {
  const file = newFile();
  const store = new URL("../../src/usage/sqlite-ledger-store.js", import.meta.url).href;
  const records = new URL("../support/request-record.js", import.meta.url).href;
  const rows = new URL("../../src/usage/ledger-row.js", import.meta.url).href;
  const script = `
    const { SqliteLedgerStore } = await import(${JSON.stringify(store)});
    const { requestRecord } = await import(${JSON.stringify(records)});
    const { toLedgerRow } = await import(${JSON.stringify(rows)});
    const store = await SqliteLedgerStore.open(${JSON.stringify(file)});
    for (let i = 0; i < 3; i++) await store.insert([toLedgerRow(requestRecord({ consumer: "k" + i }), Date.now())]);
    process.kill(process.pid, "SIGKILL");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
  const [, signal] = (await once(child, "exit")) as [number | null, string | null];
  assert.equal(signal, "SIGKILL");
  assert.ok(existsSync(`${file}.pid`), "the killed process left its lock");
  const again = await SqliteLedgerStore.open(file);
  assert.deepEqual((await again.page(ALL)).map((r) => r.consumer).sort(), ["k0", "k1", "k2"]);
  await again.close();
});

test("sqlite: the schema version is recorded, and a file from a newer aigw is refused", async () => {
  const file = newFile();
  const { default: sqlite } = await import("node-sqlite3-wasm");
  await (await SqliteLedgerStore.open(file)).close();
  const db = new sqlite.Database(file);
  // The file is in WAL mode, which this binding reads only holding the lock for the whole session.
  db.exec("PRAGMA locking_mode = EXCLUSIVE");
  assert.deepEqual(db.all("SELECT version FROM aigw_ledger_schema"), [{ version: 1 }]);
  db.run("UPDATE aigw_ledger_schema SET version = 99");
  db.close();
  await assert.rejects(SqliteLedgerStore.open(file), /schema version 99, newer than this aigw knows \(1\)/);
  assert.equal(existsSync(`${file}.pid`), false, "a refused open leaves no lock");
});
