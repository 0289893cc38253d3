import * as assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { poolGatewayYaml } from "../../bench/pool-gateway-config.js";
import { loadSnapshot } from "../../src/config/load-snapshot.js";
import type { CompiledPool } from "../../src/inference/compiled-pool.js";
import { DEFAULT_PICKER_SETTINGS } from "../../src/inference/picker-settings.js";
import { DispatcherCache } from "../../src/upstream/dispatcher-cache.js";

const dispatchers = new DispatcherCache();
after(() => dispatchers.closeAll());

/** The pool the benchmark's configuration routes its model to, and the warnings on loading it. */
async function poolOf(
  picker: "built-in" | "round-robin",
): Promise<{ pool: CompiledPool; warnings: string[] }> {
  const warnings: string[] = [];
  const snapshot = await loadSnapshot(
    { text: poolGatewayYaml({ port: 8123, replicas: 4, model: "sim-model", picker }), origin: "bench.yaml" },
    { env: {}, generation: 1, dispatchers, defaultCreatedAt: 0, warn: (m) => warnings.push(m) },
  );
  const pool = snapshot.routes[0]?.rules[0]?.pool;
  assert.ok(pool, "the route's rule sends to a pool");
  return { pool, warnings };
}

describe("the inference-pool benchmark's gateway configuration", () => {
  it("routes the model to a pool of the replicas' addresses with the picker's defaults", async () => {
    const { pool, warnings } = await poolOf("built-in");
    assert.deepEqual(
      pool.endpoints.map((e) => e.address),
      ["127.0.0.2:8123", "127.0.0.3:8123", "127.0.0.4:8123", "127.0.0.5:8123"],
    );
    assert.deepEqual(pool.picker, DEFAULT_PICKER_SETTINGS);
    assert.deepEqual(warnings, []);
  });

  it("chooses aigw's round-robin picker without a warning", async () => {
    const { pool, warnings } = await poolOf("round-robin");
    assert.equal(pool.picker.picker, "round-robin");
    assert.equal(pool.endpoints.length, 4);
    assert.deepEqual(warnings, []);
  });
});
