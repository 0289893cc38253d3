import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type OpenAI from "openai";
import type { Completion } from "openai/resources/completions";
import { answerText } from "../../src/sim/canned-answer.js";
import type { RunningSimulator } from "../../src/sim/start-simulator.js";
import { startSimWithClient } from "./sim-client.js";

describe("simulator text completions", () => {
  let sim: RunningSimulator;
  let client: OpenAI;
  before(async () => ({ sim, client } = await startSimWithClient({ outputTokens: 6 })));
  after(() => sim.close());

  it("answers a string prompt with a text_completion", async () => {
    const completion = await client.completions.create({ model: "babbage-002", prompt: "def fib(n):" });
    assert.equal(completion.object, "text_completion");
    assert.match(completion.id, /^cmpl-/);
    assert.equal(completion.model, "babbage-002");
    assert.equal(completion.choices[0]?.text, answerText(6));
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    // "def fib(n):" is 11 characters: ceil(11 / 4) = 3.
    assert.deepEqual(completion.usage, { prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
  });

  it("answers each prompt of a batch and counts token-id prompts one token per id", async () => {
    const completion = await client.completions.create({
      model: "m",
      prompt: [
        [1, 2, 3, 4, 5],
        [6, 7],
      ],
      max_tokens: 2,
    });
    assert.deepEqual(
      completion.choices.map((choice) => [choice.index, choice.finish_reason]),
      [
        [0, "length"],
        [1, "length"],
      ],
    );
    assert.deepEqual(completion.usage, { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 });
  });

  it("streams one text chunk per token, the last carrying finish_reason, then usage when asked", async () => {
    const stream = await client.completions.create({
      model: "m",
      prompt: "abcd",
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.length, 6 + 1);
    const text = chunks.map((chunk) => chunk.choices[0]?.text ?? "").join("");
    assert.equal(text, answerText(6));
    assert.equal(chunks[5]?.choices[0]?.finish_reason, "stop");
    assert.equal(chunks[4]?.choices[0]?.finish_reason, null);
    assert.deepEqual(chunks[6]?.choices, []);
    assert.deepEqual(chunks[6]?.usage, { prompt_tokens: 1, completion_tokens: 6, total_tokens: 7 });
  });

  it("streams without a usage chunk by default", async () => {
    const stream = await client.completions.create({ model: "m", prompt: "abcd", stream: true });
    const chunks: Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.length, 6);
    assert.ok(chunks.every((chunk) => chunk.usage === undefined));
  });
});
