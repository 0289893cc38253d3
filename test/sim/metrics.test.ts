import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withSimClient } from "./sim-client.js";

function metricValue(text: string, name: string, labels = ""): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) && line.includes(labels))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  return response.text();
}

describe("simulator /metrics", () => {
  it("counts finished requests and tokens under vLLM's names", () =>
    withSimClient({ outputTokens: 5, models: ["served"] }, async ({ sim, client }) => {
      await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "12345678" }] });
      await client.chat.completions.create({
        model: "m",
        max_tokens: 2,
        messages: [{ role: "user", content: "1234" }],
      });
      const text = await scrape(sim.url);
      assert.equal(metricValue(text, "vllm:prompt_tokens_total", 'model_name="served"'), 3);
      assert.equal(metricValue(text, "vllm:generation_tokens_total"), 7);
      assert.equal(metricValue(text, "vllm:request_success_total", 'finished_reason="stop"'), 1);
      assert.equal(metricValue(text, "vllm:request_success_total", 'finished_reason="length"'), 1);
      assert.equal(metricValue(text, "vllm:num_requests_running"), 0);
      assert.equal(metricValue(text, "vllm:num_requests_waiting"), 0);
    }));

  it("shows running and waiting requests and KV usage while slots are full", () =>
    withSimClient(
      { ttftMs: 800, maxRunning: 2, outputTokens: 1, kvCacheBlocks: 4 },
      async ({ sim, client }) => {
        const messages = [{ role: "user" as const, content: "x" }];
        const inFlight = [0, 1, 2].map(() => client.chat.completions.create({ model: "m", messages }));
        // Poll until all three have reached the server; two run, one waits.
        let text = await scrape(sim.url);
        for (let i = 0; i < 150 && metricValue(text, "vllm:num_requests_waiting") !== 1; i++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          text = await scrape(sim.url);
        }
        assert.equal(metricValue(text, "vllm:num_requests_running"), 2);
        assert.equal(metricValue(text, "vllm:num_requests_waiting"), 1);
        // Each running request holds one block of four: its 30-byte messages JSON (8 tokens) + 1 output token.
        assert.equal(metricValue(text, "vllm:kv_cache_usage_perc"), 0.5);
        assert.equal(metricValue(text, "vllm:gpu_cache_usage_perc"), 0.5);
        await Promise.all(inFlight);
        const after = await scrape(sim.url);
        assert.equal(metricValue(after, "vllm:num_requests_running"), 0);
        assert.equal(metricValue(after, "vllm:request_success_total", 'finished_reason="stop"'), 3);
      },
    ));
});
