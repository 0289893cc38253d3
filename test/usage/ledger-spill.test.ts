import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, test } from "node:test";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { LedgerSpill } from "../../src/usage/ledger-spill.js";
import { requestRecord } from "../support/request-record.js";

const rows = (n: number) => Array.from({ length: n }, () => toLedgerRow(requestRecord(), Date.now()));
const live = spawn("sleep", ["60"], { stdio: "ignore" });
after(() => live.kill("SIGKILL"));

/** A pid no process has now: one that just exited. */
function deadPid(): number {
  return Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
}

test("spilled rows read back as they were written, one file per spill", async () => {
  const home = mkdtempSync(join(tmpdir(), "aigw-spill-"));
  const spill = new LedgerSpill(home, "sqlite /x");
  const first = rows(3);
  const second = rows(2);
  const [a, b] = await Promise.all([spill.write(first), spill.write(second)]);
  assert.notEqual(a, b);
  const claimed = spill.claim();
  assert.deepEqual(claimed, [a, b], "oldest first");
  assert.deepEqual((await spill.read(a)).rows, first);
  assert.deepEqual((await spill.read(b)).rows, second);
  await spill.remove(a);
  assert.deepEqual(spill.claim(), [b]);
});

test("a line cut by a crash is skipped and counted", async () => {
  const home = mkdtempSync(join(tmpdir(), "aigw-spill-"));
  const spill = new LedgerSpill(home, "sqlite /x");
  const file = await spill.write(rows(2));
  appendFileSync(file, '{"id":"0190');
  const { rows: read, unreadable } = await spill.read(file);
  assert.equal(read.length, 2);
  assert.equal(unreadable, 1);
});

test("files of processes that are gone are taken over; those of live processes and of other destinations are left", async () => {
  const home = mkdtempSync(join(tmpdir(), "aigw-spill-"));
  const spill = new LedgerSpill(home, "postgres db/aigw");
  const own = await spill.write(rows(1));
  const prefix = basename(own).split(".")[0]!;
  const dir = join(home, "ledger-spill");
  const line = `${JSON.stringify(rows(1)[0])}\n`;
  const dead = deadPid();
  writeFileSync(join(dir, `${prefix}.${dead}.1000-0.jsonl`), line);
  writeFileSync(join(dir, `${prefix}.${live.pid}.1001-0.jsonl`), line);
  const otherDestination = new LedgerSpill(home, "postgres other/aigw");
  const foreign = await otherDestination.write(rows(1));

  const claimed = spill.claim().map((path) => basename(path));
  assert.deepEqual(
    claimed,
    [`${prefix}.${process.pid}.1000-0.jsonl`, basename(own)],
    "the dead one, renamed, first",
  );
  const names = readdirSync(dir);
  assert.ok(names.includes(`${prefix}.${live.pid}.1001-0.jsonl`), "a live process keeps its file");
  assert.ok(names.includes(basename(foreign)), "another destination's file is untouched");
  assert.ok(!names.includes(`${prefix}.${dead}.1000-0.jsonl`));
});
