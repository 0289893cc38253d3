import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadSnapshot } from "../../src/config/load-snapshot.js";
import { DispatcherCache } from "../../src/upstream/dispatcher-cache.js";
import { inferenceDocsExample } from "../support/inference-docs-example.js";

/** The example of docs/inference.md loads as documented. */

const dispatchers = new DispatcherCache();
after(() => dispatchers.closeAll());

test("the docs example compiles to a pool of three endpoints with objectives, a rewrite and a fallback", async () => {
  const warnings: string[] = [];
  const snapshot = await loadSnapshot(
    { text: inferenceDocsExample(), origin: "inference.md" },
    {
      env: { OPENAI_API_KEY: "sk-test" },
      generation: 1,
      dispatchers,
      defaultCreatedAt: 0,
      warn: (m) => warnings.push(m),
    },
  );
  assert.deepEqual(warnings, []);
  const rule = snapshot.routes[0]!.rules[0]!;
  const pool = rule.pool!;
  assert.deepEqual(
    pool.endpoints.map((e) => e.address),
    ["127.0.0.2:8000", "127.0.0.3:8000", "127.0.0.4:8000"],
  );
  assert.deepEqual(
    [...pool.objectives],
    [
      ["interactive", 10],
      ["batch", -1],
    ],
  );
  assert.deepEqual(pool.rewrites[0]?.targets, [
    { model: "llama-3.1-8b", weight: 90 },
    { model: "llama-3.2-8b", weight: 10 },
  ]);
  assert.deepEqual(pool.picker.weights, { queue: 2, kvCache: 2, prefix: 3, lora: 0 });
  assert.deepEqual(
    rule.tiers.map((t) => t.map((ref) => ref.backend.key)),
    [["default/hosted-openai"]],
  );
});
