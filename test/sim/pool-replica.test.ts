import * as assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import OpenAI from "openai";
import { startSimulator } from "../../src/sim/start-simulator.js";
import { withSimClient } from "./sim-client.js";

// Lower bounds only: a loaded machine may answer later, never earlier.
const SLACK_MS = 10;
const REPLICA = { host: "127.0.0.2" };

function metricValue(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

describe("simulator as a pool replica on 127.0.0.2", () => {
  it("listens on the address and streams tokens one by one after the prefill", () =>
    withSimClient({ ...REPLICA, ttftMs: 60, itlMs: 30, outputTokens: 5 }, async ({ sim, client }) => {
      assert.match(sim.url, /^http:\/\/127\.0\.0\.2:\d+$/);
      const start = performance.now();
      const stream = await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      const arrivals: number[] = [];
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - start);
      }
      assert.equal(arrivals.length, 5);
      assert.ok(arrivals[0]! >= 60 - SLACK_MS, `first token at ${arrivals[0]} ms`);
      for (let k = 1; k < 5; k++) {
        assert.ok(arrivals[k]! - arrivals[0]! >= 30 * k - SLACK_MS, `token ${k} at ${arrivals[k]} ms`);
      }
    }));

  it("shows running and waiting requests on /metrics while they are in flight", () =>
    withSimClient({ ...REPLICA, ttftMs: 600, maxNumSeqs: 2, outputTokens: 1 }, async ({ sim, client }) => {
      const inFlight = [1, 2, 3].map((i) =>
        client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `q${i}` }] }),
      );
      let text = await scrape(sim.url);
      for (let i = 0; i < 100 && metricValue(text, "vllm:num_requests_waiting") !== 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        text = await scrape(sim.url);
      }
      assert.equal(metricValue(text, "vllm:num_requests_running"), 2);
      assert.equal(metricValue(text, "vllm:num_requests_waiting"), 1);
      assert.ok((metricValue(text, "vllm:kv_cache_usage_perc") ?? 0) > 0);
      await Promise.all(inFlight);
      const after = await scrape(sim.url);
      assert.equal(metricValue(after, "vllm:num_requests_running"), 0);
      assert.equal(metricValue(after, "vllm:kv_cache_usage_perc"), 0);
      assert.equal(metricValue(after, "vllm:time_to_first_token_seconds_count"), 3);
    }));

  it("counts prefix-cache queries and hits for a repeated system prompt", () =>
    withSimClient({ ...REPLICA, blockSize: 16 }, async ({ sim, client }) => {
      const system = { role: "system" as const, content: "Shared instructions. ".repeat(40) };
      for (const question of ["first?", "second?"]) {
        await client.chat.completions.create({
          model: "m",
          messages: [system, { role: "user", content: question }],
        });
      }
      const text = await scrape(sim.url);
      assert.match(
        text,
        /vllm:cache_config_info\{block_size="16",num_gpu_blocks="1024",model_name="sim-model"\} 1/,
      );
      const queries = metricValue(text, "vllm:prefix_cache_queries_total") ?? 0;
      const hits = metricValue(text, "vllm:prefix_cache_hits_total") ?? 0;
      assert.ok(hits >= 800 / 4 - 16, `${hits} hit tokens`);
      assert.ok(hits % 16 === 0 && hits < queries / 2 + 16);
    }));

  it("lists adapters with their parent and refuses a model it does not serve", () =>
    withSimClient({ ...REPLICA, models: ["base"], loraModules: ["sql", "chat"] }, async ({ client }) => {
      const models = [];
      for await (const model of client.models.list()) models.push(model);
      assert.deepEqual(
        models.map((model) => [model.id, (model as unknown as { parent: string | null }).parent]),
        [
          ["base", null],
          ["sql", "base"],
          ["chat", "base"],
        ],
      );
      const answer = await client.chat.completions.create({
        model: "sql",
        messages: [{ role: "user", content: "x" }],
      });
      assert.equal(answer.model, "sql");
      await assert.rejects(
        client.chat.completions.create({ model: "other", messages: [{ role: "user", content: "x" }] }),
        (error: unknown) => error instanceof OpenAI.NotFoundError && error.code === "model_not_found",
      );
    }));

  it("answers 429 in OpenAI's envelope beyond max-waiting", () =>
    withSimClient({ ...REPLICA, ttftMs: 300, maxNumSeqs: 1, maxWaiting: 0 }, async ({ client }) => {
      const messages = [{ role: "user" as const, content: "x" }];
      const running = client.chat.completions.create({ model: "m", messages });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await assert.rejects(
        client.chat.completions.create({ model: "m", messages }),
        (error: unknown) => error instanceof OpenAI.RateLimitError && error.code === "rate_limit_exceeded",
      );
      await running;
    }));

  it("refuses a prompt longer than the whole KV cache as a context-length error", () =>
    withSimClient({ ...REPLICA, kvCacheBlocks: 2, blockSize: 16 }, async ({ client }) => {
      await assert.rejects(
        client.chat.completions.create({
          model: "m",
          messages: [{ role: "user", content: "x".repeat(200) }],
        }),
        (error: unknown) =>
          error instanceof OpenAI.BadRequestError && error.code === "context_length_exceeded",
      );
    }));

  it("a bind failure names the address", async () => {
    const first = await startSimulator(REPLICA);
    try {
      await assert.rejects(
        startSimulator({ ...REPLICA, port: first.port }),
        new RegExp(`cannot listen on 127\\.0\\.0\\.2:${first.port}: EADDRINUSE`),
      );
    } finally {
      await first.close();
    }
  });
});
