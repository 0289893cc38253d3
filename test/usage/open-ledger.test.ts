import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DEFAULT_LEDGER_SETTINGS } from "../../src/usage/ledger.js";
import { openLedger } from "../../src/usage/open-ledger.js";

const quiet = () => undefined;

test("PostgreSQL batches 2,000 records, SQLite 500; settings given win over either", async () => {
  const dataHome = mkdtempSync(join(tmpdir(), "aigw-open-ledger-"));
  const sqlite = await openLedger(
    { url: `sqlite://${join(dataHome, "ledger.sqlite")}`, dataHome },
    {},
    quiet,
  );
  // Port 1 refuses: the ledger keeps trying in the background, which does not matter here.
  const postgres = await openLedger({ url: "postgres://aigw@127.0.0.1:1/aigw", dataHome }, {}, quiet);
  const tuned = await openLedger(
    { url: "postgres://aigw@127.0.0.1:1/aigw", dataHome, settings: { batchSize: 50 } },
    {},
    quiet,
  );
  try {
    assert.equal(sqlite.settings.batchSize, 500);
    assert.equal(postgres.settings.batchSize, 2_000);
    assert.equal(tuned.settings.batchSize, 50);
    assert.equal(postgres.settings.flushIntervalMs, DEFAULT_LEDGER_SETTINGS.flushIntervalMs);
    assert.equal(postgres.settings.maxBufferedRows, DEFAULT_LEDGER_SETTINGS.maxBufferedRows);
  } finally {
    await Promise.all([sqlite.close(1000), postgres.close(1000), tuned.close(1000)]);
  }
});
