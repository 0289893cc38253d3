import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { LEDGER_COLUMNS } from "../../src/usage/ledger-store.js";
import { copyText } from "../../src/usage/postgres-copy-text.js";
import { PostgresLedgerStore } from "../../src/usage/postgres-ledger-store.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../support/postgres.js";
import { requestRecord } from "../support/request-record.js";

let db: ThrowawayDatabase;
before(async () => {
  db = await createThrowawayDatabase();
  // The store creates the table; this test then writes to it by COPY itself, so that a mistake in
  // the text cannot be hidden by the store's fallback to INSERT.
  const store = await PostgresLedgerStore.create(db.url, () => undefined);
  await store.open();
  await store.close();
});
after(async () => {
  await db?.drop();
});

const ODD = 'tab\tnewline\nreturn\rbackslash\\ quote" \\N \\\\t ü 😀';

async function copyDirectly(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom(`COPY aigw_ledger (${LEDGER_COLUMNS.join(", ")}) FROM STDIN`));
      stream.on("finish", resolve);
      stream.on("error", reject);
      stream.end(text);
    });
  } finally {
    await client.end();
  }
}

test("copyText: one line a row, a tab between the 23 columns, NULL as \\N, the specials escaped", () => {
  const row = toLedgerRow(
    requestRecord({ consumer: undefined, error: ODD, status: 500 }),
    Date.UTC(2026, 0, 1),
  );
  const text = copyText([row, row]);
  const lines = text.split("\n");
  assert.equal(lines.length, 3, "two lines, each ended by a newline");
  assert.equal(lines[2], "");
  const fields = lines[0]!.split("\t");
  assert.equal(fields.length, LEDGER_COLUMNS.length);
  assert.equal(fields[LEDGER_COLUMNS.indexOf("consumer")], "\\N");
  assert.equal(fields[LEDGER_COLUMNS.indexOf("time")], "2026-01-01T00:00:00.000Z");
  assert.equal(
    fields[LEDGER_COLUMNS.indexOf("error")],
    'tab\\tnewline\\nreturn\\rbackslash\\\\ quote" \\\\N \\\\\\\\t ü 😀',
  );
});

test("copyText: PostgreSQL reads the rows back exactly, odd text and json included", async () => {
  const rows = [
    toLedgerRow(
      requestRecord({
        consumer: ODD,
        attributes: { "tenant.id": ODD, [ODD]: "as a key" },
        originalModel: ODD,
        status: 502,
        error: ODD,
        costs: { [ODD]: 2.5, spend: 0.125 },
      }),
      Date.UTC(2026, 0, 1, 10),
    ),
    toLedgerRow(requestRecord({ stream: true, timeToFirstByteMs: 12.4 }), Date.UTC(2026, 0, 1, 11)),
  ];
  await copyDirectly(copyText(rows));
  const store = await PostgresLedgerStore.create(db.url, () => undefined);
  try {
    const read = await store.page({
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-01-02T00:00:00.000Z",
      limit: 10,
    });
    assert.deepEqual(read, [rows[1], rows[0]]);
  } finally {
    await store.close();
  }
});

test("copyText: NUL, which PostgreSQL text cannot hold, becomes U+FFFD (a lone surrogate does in UTF-8)", async () => {
  const row = toLedgerRow(
    requestRecord({ originalModel: "nul\u0000here", requestModel: "lone\uD800" }),
    Date.UTC(2026, 0, 1, 12),
  );
  await copyDirectly(copyText([row]));
  const [read] = await db.query<{ original_model: string; request_model: string }>(
    "SELECT original_model, request_model FROM aigw_ledger WHERE id = $1",
    [row.id],
  );
  assert.deepEqual(read, { original_model: "nul\uFFFDhere", request_model: "lone\uFFFD" });
});
