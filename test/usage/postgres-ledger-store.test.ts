import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { PostgresLedgerStore } from "../../src/usage/postgres-ledger-store.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../support/postgres.js";
import { requestRecord } from "../support/request-record.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { assertRollupsExact, ledgerStoreContract } from "./ledger-store-contract.js";

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
  await db.query(
    "TRUNCATE aigw_ledger, aigw_ledger_rollup_dims, aigw_ledger_rollup_minute, aigw_ledger_rollup_hour",
  );
  return store;
});

test("postgres: replicas starting together create the schema once, at version 2", async () => {
  const other = await createThrowawayDatabase();
  try {
    const stores = await Promise.all(
      [1, 2, 3].map(() => PostgresLedgerStore.create(other.url, () => undefined)),
    );
    await Promise.all(stores.map((s) => s.open()));
    assert.deepEqual(await other.query("SELECT version FROM aigw_ledger_schema"), [{ version: 2 }]);
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
    await assert.rejects(store.open(), /schema is at version 7, newer than this aigw knows \(2\)/);
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

/** Varied records over a few hours: tenants in either key order, consumers, statuses, costs. */
function spread(count: number, start: number, step: number) {
  return Array.from({ length: count }, (_, i) =>
    toLedgerRow(
      requestRecord({
        consumer: i % 5 === 0 ? undefined : `c${i % 3}`,
        attributes:
          i % 4 === 0
            ? undefined
            : i % 2
              ? { "tenant.id": `t${i % 3}`, d: "x" }
              : { d: "x", "tenant.id": `t${i % 3}` },
        originalModel: `m${i % 2}`,
        status: i % 11 === 0 ? 500 : 200,
        usage: {
          inputTokens: i,
          cachedInputTokens: i % 4,
          cacheCreationInputTokens: 1,
          outputTokens: i % 9,
          reasoningTokens: 0,
          totalTokens: i + (i % 9),
        },
        costs: i % 11 === 0 ? {} : { spend: i / 4, tokens: i + (i % 9) },
      }),
      start + i * step,
    ),
  );
}

test("postgres: overlapping batches that start with other records are rolled up once too (RETURNING)", async () => {
  const store = await open();
  await db.query(
    "TRUNCATE aigw_ledger, aigw_ledger_rollup_dims, aigw_ledger_rollup_minute, aigw_ledger_rollup_hour",
  );
  const rows = spread(90, Date.UTC(2026, 11, 1, 9), 61_000);
  await store.insert(rows.slice(0, 50));
  await store.insert(rows.slice(30, 70));
  await store.insert(rows.slice(10, 90));
  await assertRollupsExact(store, "of overlapping batches");
  await store.close();
});

test("postgres: a batch with a value the database refuses rolls up the records it keeps", async () => {
  const store = await open();
  await db.query(
    "TRUNCATE aigw_ledger, aigw_ledger_rollup_dims, aigw_ledger_rollup_minute, aigw_ledger_rollup_hour",
  );
  const rows = spread(20, Date.UTC(2026, 11, 1, 9), 7_000);
  rows[5] = { ...rows[5]!, input_tokens: 1.5 };
  rows[6] = { ...rows[6]!, original_model: "nul\u0000here", consumer: "lone\uD800" };
  await store.insert(rows);
  const hours = await store.rollup({
    grain: "hour",
    from: "2026-12-01T00:00:00.000Z",
    to: "2026-12-02T00:00:00.000Z",
  });
  assert.equal(
    hours.reduce((n, r) => n + r.requests, 0),
    19,
  );
  assert.ok(hours.some((r) => r.original_model === "nul\uFFFDhere" && r.consumer === "lone\uFFFD"));
  await assertRollupsExact(store, "of a batch with a refused value");
  await store.close();
});

test("postgres: a database of schema version 1 gets the rollups of its records, keyed as the writes key them", async () => {
  const other = await createThrowawayDatabase();
  try {
    const first = await PostgresLedgerStore.create(other.url, () => undefined);
    const rows = spread(400, Date.UTC(2026, 10, 29, 22), 450_000); // over two days and more
    rows[3] = { ...rows[3]!, backend: "odd\u0000", costs: { spend: 0.25, "tab\tkey": 3 } };
    for (let i = 0; i < 300; i += 100) await first.insert(rows.slice(i, i + 100));
    await first.close();
    // Version 1 as it was: the records, no rollups.
    await other.query(
      "DROP TABLE aigw_ledger_rollup_dims, aigw_ledger_rollup_minute, aigw_ledger_rollup_hour",
    );
    await other.query("UPDATE aigw_ledger_schema SET version = 1");
    const migrated = await PostgresLedgerStore.create(other.url, () => undefined);
    await migrated.open();
    assert.deepEqual(await other.query("SELECT version FROM aigw_ledger_schema"), [{ version: 2 }]);
    await assertRollupsExact(migrated, "backfilled");
    await migrated.insert(rows.slice(250));
    await assertRollupsExact(migrated, "backfilled and written to");
    await migrated.close();
  } finally {
    await other.drop();
  }
});

test("postgres: replicas writing the same rollup rows at once sum exactly, costs included", async () => {
  const other = await createThrowawayDatabase();
  try {
    const replicas = await Promise.all(
      [1, 2, 3].map(async () => {
        const store = await PostgresLedgerStore.create(other.url, () => undefined);
        await store.open();
        return store;
      }),
    );
    // Every replica's batches hit the same minutes, hours and dimensions, in different orders.
    const start = Date.UTC(2026, 11, 1, 10, 58);
    await Promise.all(
      replicas.map(async (store, r) => {
        for (let b = 0; b < 12; b++) {
          const rows = spread(100, start + ((b + r) % 4) * 50, 3_000 + r);
          await Promise.all([store.insert(rows.slice(0, 50)), store.insert(rows.slice(50))]);
        }
      }),
    );
    await assertRollupsExact(replicas[0]!, "of three replicas");
    const hours = await replicas[1]!.rollup({
      grain: "hour",
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-02T00:00:00.000Z",
    });
    assert.equal(
      hours.reduce((n, r) => n + r.requests, 0),
      3 * 12 * 100,
    );
    await Promise.all(replicas.map((s) => s.close()));
  } finally {
    await other.drop();
  }
});

test("postgres: dimensions holding the rollup statements' own quote ($aigw$) or quotes are rolled up as written", async () => {
  const store = await open();
  await db.query(
    "TRUNCATE aigw_ledger, aigw_ledger_rollup_dims, aigw_ledger_rollup_minute, aigw_ledger_rollup_hour",
  );
  const rows = spread(10, Date.UTC(2026, 11, 1, 9), 1_000).map((row, i) => ({
    ...row,
    consumer: i % 2 ? "x$aigw$; DROP TABLE aigw_ledger; --" : 'it\'s \\ "quoted"',
  }));
  await store.insert(rows);
  await assertRollupsExact(store, "of quote-like text");
  const [hour] = await store.rollup({
    grain: "hour",
    from: "2026-12-01T09:00:00.000Z",
    to: "2026-12-01T10:00:00.000Z",
  });
  assert.ok(hour, "the ledger table is still there, and rolled up");
  await store.close();
});
