import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { type Learned, PostgresRollups } from "../../src/usage/postgres-ledger-rollups.js";
import { PostgresLedgerStore } from "../../src/usage/postgres-ledger-store.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../support/postgres.js";
import { requestRecord } from "../support/request-record.js";

/**
 * Numbers given to new dimensions in a transaction are that transaction's until it commits: two
 * writes of one process at once (the write loop and a spill replay) where the one that numbered a
 * dimension rolls back must not leave the other's committed rollups naming a number that is gone.
 */

let db: ThrowawayDatabase;
let pool: pg.Pool;

before(async () => {
  db = await createThrowawayDatabase();
  // The schema, made by a store as a gateway would.
  const store = await PostgresLedgerStore.create(db.url, () => undefined);
  await store.open();
  await store.close();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
});
after(async () => {
  await pool?.end();
  await db?.drop();
});

const row = (consumer: string) =>
  toLedgerRow(requestRecord({ consumer, route: "default/r", status: 200 }), Date.UTC(2026, 11, 3, 10, 0, 5));

test("a rolled-back transaction's dimension numbers are not used by a concurrent one that commits", async () => {
  const rollups = new PostgresRollups();
  const [a, b] = [await pool.connect(), await pool.connect()];
  try {
    const rows = [row("team-new")];
    const learnedA: Learned = new Map();
    await a.query("BEGIN");
    const sqlA = await rollups.statements(a, rows, learnedA);
    assert.ok(sqlA.length > 0);
    assert.equal(learnedA.size, 1, "A numbered the new dimensions");
    // B starts while A is open: it must not take A's number; its own numbering waits for A.
    const learnedB: Learned = new Map();
    await b.query("BEGIN");
    const pendingB = rollups.statements(b, rows, learnedB);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await a.query("ROLLBACK");
    const sqlB = await pendingB;
    await b.query(`${sqlB}COMMIT`);
    rollups.committed(learnedB);
    assert.notEqual([...learnedB.values()][0], [...learnedA.values()][0], "B's number is its own");
  } finally {
    a.release();
    b.release();
  }
  const read = await rollups.read(pool, {
    grain: "minute",
    from: "2026-12-03T10:00:00.000Z",
    to: "2026-12-03T10:01:00.000Z",
  });
  assert.deepEqual(
    read.map((r) => [r.consumer, r.requests]),
    [["team-new", 1]],
  );
  // A store that never saw either reads them too (the numbers are in the table).
  const fresh = await new PostgresRollups().read(pool, {
    grain: "hour",
    from: "2026-12-03T10:00:00.000Z",
    to: "2026-12-03T11:00:00.000Z",
  });
  assert.equal(fresh[0]?.consumer, "team-new");
});
