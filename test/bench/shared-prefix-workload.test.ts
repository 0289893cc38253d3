import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startPoolReplicas } from "../../bench/pool-replicas.js";
import { runSharedPrefixWorkload } from "../../bench/shared-prefix-workload.js";

describe("shared-prefix workload", () => {
  it("streams round-robin over two simulated replicas and reports sane numbers", async () => {
    const pool = await startPoolReplicas(2, [
      "--max-num-seqs",
      "4",
      "--itl-ms",
      "5",
      "--prefill-ms-per-token",
      "0.05",
    ]);
    try {
      assert.deepEqual(
        pool.urls.map((url) => new URL(url).hostname),
        ["127.0.0.2", "127.0.0.3"],
      );
      const result = await runSharedPrefixWorkload({
        urls: pool.urls,
        concurrency: 6,
        durationMs: 2000,
        groups: 3,
        prefixTokens: 256,
        questionTokens: 16,
        maxTokens: 8,
      });
      assert.ok(result.completed > 0, "requests completed");
      assert.equal(result.errors, 0);
      assert.equal(result.ttftMs.count, result.completed);
      assert.ok(result.ttftMs.p90 >= result.ttftMs.p50 && result.ttftMs.p50 > 0);
      assert.equal(result.outputTokens, result.completed * 8, "every streamed token counted");
      assert.ok(result.outputTokensPerSecond > 0);
      // Both replicas served: each saw prompts and prefix-cache hits (three groups recur).
      for (const url of pool.urls) {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        const hits = /vllm:prefix_cache_hits_total\{[^}]*\} (\d+)/.exec(metrics)?.[1];
        assert.ok(Number(hits) > 0, `prefix-cache hits on ${url}`);
      }
    } finally {
      await pool.stop();
    }
  });
});
