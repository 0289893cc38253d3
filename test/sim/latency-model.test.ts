import * as assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { withSimClient } from "./sim-client.js";

// Lower bounds only: a loaded machine may answer later, never earlier. 10 ms of slack covers
// timer rounding (the simulator itself re-checks against the monotonic clock).
const SLACK_MS = 10;
const messages = [{ role: "user" as const, content: "hello" }];

describe("simulator latency model", () => {
  it("holds a non-streaming answer for ttft + tpot * (tokens - 1)", () =>
    withSimClient({ ttftMs: 120, tpotMs: 20, outputTokens: 5 }, async ({ client }) => {
      const start = performance.now();
      await client.chat.completions.create({ model: "m", messages });
      assert.ok(performance.now() - start >= 120 + 20 * 4 - SLACK_MS);
    }));

  it("a max_tokens cap shortens the wait to the tokens actually generated", () =>
    withSimClient({ ttftMs: 0, tpotMs: 150, outputTokens: 50 }, async ({ client }) => {
      const start = performance.now();
      const completion = await client.chat.completions.create({ model: "m", messages, max_tokens: 2 });
      assert.equal(completion.usage?.completion_tokens, 2);
      assert.ok(performance.now() - start >= 150 - SLACK_MS);
    }));

  it("streams the first token after ttft and each further token after tpot", () =>
    withSimClient({ ttftMs: 200, tpotMs: 40, outputTokens: 4 }, async ({ client }) => {
      const start = performance.now();
      const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
      const contentTimes: number[] = [];
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) contentTimes.push(performance.now() - start);
      }
      assert.equal(contentTimes.length, 4);
      assert.ok(contentTimes[0]! >= 200 - SLACK_MS, `first token at ${contentTimes[0]} ms`);
      for (let k = 1; k < 4; k++) {
        assert.ok(contentTimes[k]! >= 200 + 40 * k - SLACK_MS, `token ${k} at ${contentTimes[k]} ms`);
      }
    }));

  it("delays embeddings by ttft", () =>
    withSimClient({ ttftMs: 100, tpotMs: 50 }, async ({ client }) => {
      const start = performance.now();
      await client.embeddings.create({ model: "m", input: "x" });
      assert.ok(performance.now() - start >= 100 - SLACK_MS);
    }));

  it("makes requests beyond maxRunning wait for a free slot", () =>
    withSimClient({ ttftMs: 150, maxRunning: 1, outputTokens: 1 }, async ({ client }) => {
      const start = performance.now();
      const done = await Promise.all(
        [0, 1].map(() =>
          client.chat.completions.create({ model: "m", messages }).then(() => performance.now() - start),
        ),
      );
      assert.ok(
        Math.max(...done) >= 2 * 150 - SLACK_MS,
        `slower request finished at ${Math.max(...done)} ms`,
      );
    }));
});
