import assert from "node:assert/strict";
import { test } from "node:test";
import type { RuntimeSnapshot } from "../../src/config/snapshot.js";
import { aiServiceBackendsOf } from "../../src/config/snapshot-backends.js";

/** Just the parts of a snapshot the function reads: routes, rules, tiers, pools. */
function snapshotOf(routes: { tiers: string[][]; pool?: string[] }[][]): RuntimeSnapshot {
  return {
    routes: routes.map((rules) => ({
      rules: rules.map((r) => ({
        tiers: r.tiers.map((tier) => tier.map((key) => ({ backend: { key } }))),
        ...(r.pool ? { pool: { endpoints: r.pool.map((key) => ({ backend: { key } })) } } : {}),
      })),
    })),
  } as unknown as RuntimeSnapshot;
}

test("every backend the rules send to, once each in configuration order; pool endpoints are not listed", () => {
  const snapshot = snapshotOf([
    [{ tiers: [["default/a", "default/b"], ["default/c"]] }, { tiers: [["default/b"]] }],
    [{ tiers: [["default/fallback"]], pool: ["default/pool@10.0.0.5:8000"] }, { tiers: [] }],
  ]);
  assert.deepEqual(aiServiceBackendsOf(snapshot), [
    "default/a",
    "default/b",
    "default/c",
    "default/fallback",
  ]);
  assert.deepEqual(aiServiceBackendsOf(snapshotOf([])), []);
});
