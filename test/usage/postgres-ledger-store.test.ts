import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { PostgresLedgerStore } from "../../src/usage/postgres-ledger-store.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../support/postgres.js";
import { requestRecord } from "../support/request-record.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { ledgerStoreContract } from "./ledger-store-contract.js";

const ALL = { from: "2000-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z", limit: 1000 };
let db: ThrowawayDatabase;
const logs: string[] = [];

before(async () => {
  db = await createThrowawayDatabase();
});
after(async () => {
  await db?.drop();
});

const open = async () => {
  const store = await PostgresLedgerStore.create(db.url, (line) => logs.push(line));
  await store.open();
  return store;
};

ledgerStoreContract("postgres", async () => {
  const store = await open();
  await db.query("TRUNCATE aigw_ledger");
  return store;
});

test("postgres: replicas starting together create the schema once, at version 1", async () => {
  const other = await createThrowawayDatabase();
  try {
    const stores = await Promise.all(
      [1, 2, 3].map(() => PostgresLedgerStore.create(other.url, () => undefined)),
    );
    await Promise.all(stores.map((s) => s.open()));
    assert.deepEqual(await other.query("SELECT version FROM aigw_ledger_schema"), [{ version: 1 }]);
    const indexes = await other.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'aigw_ledger' ORDER BY indexname",
    );
    assert.deepEqual(
      indexes.map((i) => i.indexname),
      ["aigw_ledger_pkey"],
    );
    await Promise.all(stores.map((s) => s.close()));
  } finally {
    await other.drop();
  }
});

test("postgres: a schema from a newer aigw is refused", async () => {
  const other = await createThrowawayDatabase();
  try {
    await other.query("CREATE TABLE aigw_ledger_schema (version integer NOT NULL)");
    await other.query("INSERT INTO aigw_ledger_schema VALUES (7)");
    const store = await PostgresLedgerStore.create(other.url, () => undefined);
    await assert.rejects(store.open(), /schema is at version 7, newer than this aigw knows \(1\)/);
    await store.close();
  } finally {
    await other.drop();
  }
});

test("postgres: unreachable at first, the schema is created once the database answers; open() then proves the link", async () => {
  const other = await createThrowawayDatabase();
  const proxy = await startTcpProxy("127.0.0.1", 5432);
  await proxy.stop();
  try {
    const store = await PostgresLedgerStore.create(other.urlVia(proxy.hostPort), () => undefined);
    await assert.rejects(store.open(), /ECONNREFUSED/);
    const row = toLedgerRow(requestRecord(), Date.now());
    await assert.rejects(store.insert([row]));
    await proxy.start();
    await store.insert([row]);
    assert.deepEqual(await store.page(ALL), [row]);
    // With the schema made, open() still reaches the database: a retry with nothing to write asks it.
    await store.open();
    await proxy.stop();
    await assert.rejects(store.open());
    await store.close();
  } finally {
    await proxy.stop();
    await other.drop();
  }
});

test("postgres: text PostgreSQL cannot hold (NUL, a lone surrogate) is stored as U+FFFD", async () => {
  const store = await open();
  const row = toLedgerRow(
    requestRecord({ originalModel: "gpt\u0000x", requestModel: "bad\uD800", consumer: "ok\uD83D\uDE00" }),
    Date.now(),
  );
  await store.insert([row]);
  const [read] = (await store.page(ALL)).filter((r) => r.id === row.id);
  assert.equal(read?.original_model, "gpt\uFFFDx");
  assert.equal(read?.request_model, "bad\uFFFD");
  assert.equal(read?.consumer, "ok\uD83D\uDE00", "a proper pair stays");
  await store.close();
});

test("postgres: a value the database refuses drops that record alone, logged; the rest of the batch is written", async () => {
  const store = await open();
  const good = [toLedgerRow(requestRecord(), Date.now()), toLedgerRow(requestRecord(), Date.now())];
  const bad = { ...toLedgerRow(requestRecord(), Date.now()), input_tokens: 1.5 };
  await store.insert([good[0]!, bad, good[1]!]);
  const ids = (await store.page(ALL)).map((r) => r.id);
  assert.ok(ids.includes(good[0]!.id) && ids.includes(good[1]!.id));
  assert.ok(!ids.includes(bad.id));
  assert.ok(
    logs.some((l) => l.includes(`dropped record ${bad.id}, which PostgreSQL refuses`)),
    logs.join("\n"),
  );
  await store.close();
});

test("postgres: token counts beyond 32 bits are kept and read back as numbers", async () => {
  const store = await open();
  const row = { ...toLedgerRow(requestRecord(), Date.now()), total_tokens: 2 ** 40 };
  await store.insert([row]);
  const [read] = (await store.page(ALL)).filter((r) => r.id === row.id);
  assert.equal(read?.total_tokens, 2 ** 40);
  await store.close();
});
