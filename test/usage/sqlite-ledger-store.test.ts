import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { LEDGER_COLUMNS, LedgerUnavailableError } from "../../src/usage/ledger-store.js";
import { SqliteLedgerStore } from "../../src/usage/sqlite-ledger-store.js";
import { isoTimestamp } from "../../src/util/iso-timestamp.js";
import { requestRecord } from "../support/request-record.js";
import { assertRollupsExact, ledgerStoreContract } from "./ledger-store-contract.js";

const newFile = () => join(mkdtempSync(join(tmpdir(), "aigw-sqlite-")), "nested", "ledger.sqlite");
const ALL = { from: "2000-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z", limit: 1000 };
const T = Date.UTC(2026, 10, 30, 23, 59, 0);

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
  assert.deepEqual(db.all("SELECT version FROM aigw_ledger_schema"), [{ version: 3 }]);
  db.run("UPDATE aigw_ledger_schema SET version = 99");
  db.close();
  await assert.rejects(SqliteLedgerStore.open(file), /schema version 99, newer than this aigw knows \(3\)/);
  assert.equal(existsSync(`${file}.pid`), false, "a refused open leaves no lock");
});

/** Opens the file with the binding directly, as a person with `sqlite3` would once aigw stopped. */
async function openDirectly(file: string) {
  const { default: sqlite } = await import("node-sqlite3-wasm");
  const db = new sqlite.Database(file);
  db.exec("PRAGMA locking_mode = EXCLUSIVE");
  return db;
}

test("sqlite: the view aigw_ledger shows every record with the documented columns", async () => {
  const file = newFile();
  const store = await SqliteLedgerStore.open(file);
  const rows = [
    toLedgerRow(
      requestRecord({ consumer: "a", attributes: { "tenant.id": "t1" }, costs: { spend: 1.5 } }),
      T,
    ),
    toLedgerRow(requestRecord({ consumer: undefined, stream: true, timeToFirstByteMs: 7 }), T + 1),
  ];
  await store.insert(rows);
  await store.close();
  const db = await openDirectly(file);
  const viewed = db.all("SELECT * FROM aigw_ledger ORDER BY time") as Record<string, unknown>[];
  db.close();
  assert.deepEqual(
    viewed.map((v) => Object.keys(v)),
    [LEDGER_COLUMNS, LEDGER_COLUMNS],
  );
  assert.deepEqual(
    viewed.map((v) => [v.id, v.consumer, v.attributes, v.costs, v.stream, v.ttft_ms, v.total_tokens]),
    rows.map((r) => [
      r.id,
      r.consumer,
      r.attributes === null ? null : JSON.stringify(r.attributes),
      JSON.stringify(r.costs),
      r.stream ? 1 : 0,
      r.ttft_ms,
      r.total_tokens,
    ]),
  );
});

test("sqlite: a file of schema version 1 (a row per record) is migrated, every record kept", async () => {
  const file = newFile();
  mkdirSync(join(file, ".."), { recursive: true });
  const db = await openDirectly(file);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(`CREATE TABLE aigw_ledger_schema (version INTEGER NOT NULL); INSERT INTO aigw_ledger_schema VALUES (1);
    CREATE TABLE aigw_ledger (id TEXT NOT NULL, time TEXT NOT NULL, consumer TEXT, attributes TEXT,
      route TEXT NOT NULL, rule TEXT, original_model TEXT, request_model TEXT, response_model TEXT, backend TEXT,
      attempts INTEGER NOT NULL, status INTEGER NOT NULL, stream INTEGER NOT NULL, input_tokens INTEGER NOT NULL,
      cached_input_tokens INTEGER NOT NULL, cache_creation_input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, total_tokens INTEGER NOT NULL,
      costs TEXT NOT NULL, duration_ms INTEGER NOT NULL, ttft_ms INTEGER, error TEXT,
      PRIMARY KEY (time, id)) WITHOUT ROWID`);
  // Three minutes of records, some in the same millisecond, as version 1 wrote them.
  const rows = Array.from({ length: 30 }, (_, i) =>
    toLedgerRow(
      requestRecord({
        consumer: i % 3 === 0 ? undefined : `c${i % 2}`,
        attributes: i % 4 === 0 ? undefined : { "tenant.id": `t${i % 3}` },
        stream: i % 2 === 0,
        timeToFirstByteMs: i % 2 === 0 ? i : undefined,
        status: i % 7 === 0 ? 502 : 200,
        costs: { spend: i / 8 },
      }),
      T + Math.floor(i / 2) * 9_000,
    ),
  );
  const insert = db.prepare(
    `INSERT INTO aigw_ledger (${LEDGER_COLUMNS.join(", ")}) VALUES (${LEDGER_COLUMNS.map(() => "?").join(", ")})`,
  );
  for (const row of rows) {
    insert.run(
      LEDGER_COLUMNS.map((column) => {
        const value = row[column];
        if (column === "attributes" || column === "costs")
          return value === null ? null : JSON.stringify(value);
        if (column === "stream") return value ? 1 : 0;
        return value as string | number | null;
      }),
    );
  }
  insert.finalize();
  db.close();

  const store = await SqliteLedgerStore.open(file);
  const expected = [...rows].sort((a, b) =>
    a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1,
  );
  assert.deepEqual(await store.page(ALL), expected);
  await assertRollupsExact(store, "of a version 1 file");
  await store.close();
  const after = await openDirectly(file);
  assert.deepEqual(after.all("SELECT version FROM aigw_ledger_schema"), [{ version: 3 }]);
  assert.deepEqual(after.all("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM aigw_ledger"), [
    { n: 30, ids: 30 },
  ]);
  after.close();
});

test("sqlite: a batch written again with more records (a retry that grew) adds only the new ones", async () => {
  const store = await SqliteLedgerStore.open(newFile());
  const rows = Array.from({ length: 6 }, (_, i) => toLedgerRow(requestRecord({ consumer: `k${i}` }), T + i));
  await store.insert(rows.slice(0, 3));
  await store.insert(rows);
  const read = await store.page(ALL);
  assert.deepEqual(
    read.map((r) => r.consumer),
    ["k5", "k4", "k3", "k2", "k1", "k0"],
  );
  await store.close();
});

test("sqlite: pages are exact when batches overlap in time (a long request lands in a later batch)", async () => {
  const store = await SqliteLedgerStore.open(newFile());
  const at = (offset: number, name: string) => toLedgerRow(requestRecord({ consumer: name }), T + offset);
  // Batch times: [10, 20], then [5, 30] (a request started at 5 that finished last), then [21, 25].
  await store.insert([at(10, "a10"), at(15, "a15"), at(20, "a20")]);
  await store.insert([at(30, "b30"), at(5, "b5"), at(22, "b22")]);
  await store.insert([at(21, "c21"), at(25, "c25")]);
  const order = ["b30", "c25", "b22", "c21", "a20", "a15", "a10", "b5"];
  for (const limit of [1, 2, 3, 8]) {
    const names: string[] = [];
    let before: { time: string; id: string } | undefined;
    for (;;) {
      const page = await store.page({ ...ALL, limit, before });
      names.push(...page.map((r) => r.consumer!));
      if (page.length < limit) break;
      before = { time: page.at(-1)!.time, id: page.at(-1)!.id };
    }
    assert.deepEqual(names, order, `pages of ${limit}`);
  }
  const narrow = await store.page({ from: isoTimestamp(T + 15), to: isoTimestamp(T + 25), limit: 10 });
  assert.deepEqual(
    narrow.map((r) => r.consumer),
    ["b22", "c21", "a20", "a15"],
  );
  const mine = await store.page({ ...ALL, consumer: "b5" });
  assert.deepEqual(
    mine.map((r) => r.consumer),
    ["b5"],
  );
  await store.close();
});

test("sqlite: a file of schema version 2 gets the rollups of the records it holds, then keeps them up", async () => {
  const file = newFile();
  const store = await SqliteLedgerStore.open(file);
  const at = (i: number) =>
    toLedgerRow(
      requestRecord({
        consumer: i % 3 === 0 ? undefined : `c${i % 2}`,
        attributes: i % 4 === 0 ? undefined : i % 2 ? { a: "1", b: `${i % 3}` } : { b: `${i % 3}`, a: "1" },
        status: i % 7 === 0 ? 502 : 200,
        costs: i % 7 === 0 ? {} : { spend: i / 8, tokens: i },
      }),
      T + i * 13_000,
    );
  const rows = Array.from({ length: 700 }, (_, i) => at(i));
  for (let i = 0; i < 600; i += 100) await store.insert(rows.slice(i, i + 100));
  await store.close();
  // Version 2 as it was: the batches, no rollups.
  const db = await openDirectly(file);
  db.exec(
    "DROP TABLE aigw_ledger_rollup_dims; DROP TABLE aigw_ledger_rollup_minute; DROP TABLE aigw_ledger_rollup_hour; UPDATE aigw_ledger_schema SET version = 2",
  );
  db.close();
  const migrated = await SqliteLedgerStore.open(file);
  await assertRollupsExact(migrated, "backfilled");
  await migrated.insert(rows.slice(600));
  await migrated.insert(rows.slice(500, 650));
  await assertRollupsExact(migrated, "backfilled and written to");
  const hours = await migrated.rollup({ grain: "hour", from: ALL.from, to: ALL.to });
  assert.equal(
    hours.reduce((n, r) => n + r.requests, 0),
    700,
  );
  await migrated.close();
  const after = await openDirectly(file);
  assert.deepEqual(after.all("SELECT version FROM aigw_ledger_schema"), [{ version: 3 }]);
  after.close();
});
