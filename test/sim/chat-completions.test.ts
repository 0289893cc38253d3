import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { answerText } from "../../src/sim/canned-answer.js";
import type { RunningSimulator } from "../../src/sim/start-simulator.js";
import { startSimWithClient } from "./sim-client.js";

describe("simulator chat completions", () => {
  let sim: RunningSimulator;
  let client: OpenAI;
  before(async () => ({ sim, client } = await startSimWithClient({ outputTokens: 8 })));
  after(() => sim.close());

  const messages = [{ role: "user" as const, content: "Say hello to the benchmark." }];

  it("answers with a chat.completion echoing the model and counting usage", async () => {
    const completion = await client.chat.completions.create({ model: "my-model", messages });
    assert.equal(completion.object, "chat.completion");
    assert.match(completion.id, /^chatcmpl-[A-Za-z0-9]{20,}$/);
    assert.equal(completion.model, "my-model");
    assert.equal(typeof completion.created, "number");
    assert.equal(completion.choices.length, 1);
    const [choice] = completion.choices;
    assert.equal(choice?.finish_reason, "stop");
    assert.equal(choice?.message.role, "assistant");
    assert.equal(choice?.message.content, answerText(8));
    // "Say hello to the benchmark." is 27 characters: ceil(27 / 4) = 7.
    assert.deepEqual(
      { ...completion.usage, prompt_tokens_details: undefined, completion_tokens_details: undefined },
      {
        prompt_tokens: 7,
        completion_tokens: 8,
        total_tokens: 15,
        prompt_tokens_details: undefined,
        completion_tokens_details: undefined,
      },
    );
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 0);
  });

  it("caps the answer at max_completion_tokens and reports finish_reason length", async () => {
    const completion = await client.chat.completions.create({
      model: "m",
      messages,
      max_completion_tokens: 3,
    });
    assert.equal(completion.choices[0]?.finish_reason, "length");
    assert.equal(completion.choices[0]?.message.content, answerText(3));
    assert.equal(completion.usage?.completion_tokens, 3);
  });

  it("honours the legacy max_tokens cap too", async () => {
    const completion = await client.chat.completions.create({ model: "m", messages, max_tokens: 2 });
    assert.equal(completion.usage?.completion_tokens, 2);
  });

  it("returns n choices and counts their tokens", async () => {
    const completion = await client.chat.completions.create({ model: "m", messages, n: 3 });
    assert.deepEqual(
      completion.choices.map((choice) => choice.index),
      [0, 1, 2],
    );
    assert.equal(completion.usage?.completion_tokens, 24);
  });

  it("streams a role chunk, one chunk per token, a finish chunk and no usage unless asked", async () => {
    const stream = await client.chat.completions.create({ model: "stream-model", messages, stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.length, 1 + 8 + 1);
    assert.ok(chunks.every((chunk) => chunk.object === "chat.completion.chunk"));
    assert.ok(chunks.every((chunk) => chunk.model === "stream-model" && chunk.id === chunks[0]?.id));
    assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    assert.equal(content, answerText(8));
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, "stop");
    assert.ok(chunks.every((chunk) => !chunk.usage));
  });

  it("ends the stream with a usage chunk when stream_options.include_usage is set", async () => {
    const stream = await client.chat.completions.create({
      model: "m",
      messages,
      stream: true,
      max_tokens: 4,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.equal(last?.usage?.prompt_tokens, 7);
    assert.equal(last?.usage?.completion_tokens, 4);
    assert.equal(last?.usage?.total_tokens, 11);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, "length");
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
  });
});
