import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  embeddingInputsOf,
  inputMessagesOf,
  invocationParametersOf,
  outputMessagesOf,
} from "../../src/telemetry/span-content.js";

test("input messages: OpenAI string and part contents, Anthropic system and blocks, completion prompts", () => {
  assert.deepEqual(
    inputMessagesOf("openai-chat", {
      messages: [
        { role: "system", content: "be brief" },
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "image_url", image_url: {} },
            { type: "text", text: "b" },
          ],
        },
      ],
    }),
    [
      { role: "system", text: "be brief" },
      { role: "user", text: "ab" },
    ],
  );
  assert.deepEqual(
    inputMessagesOf("anthropic-messages", {
      system: [{ type: "text", text: "rules" }],
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    }),
    [
      { role: "system", text: "rules" },
      { role: "user", text: "hi" },
    ],
  );
  assert.deepEqual(inputMessagesOf("openai-completions", { prompt: ["x", "y"] }), [
    { role: "user", text: "x" },
    { role: "user", text: "y" },
  ]);
  assert.deepEqual(embeddingInputsOf({ input: ["one", [1, 2], "two"] }), ["one", "two"]);
  assert.deepEqual(embeddingInputsOf({ input: "solo" }), ["solo"]);
});

test("output messages from a JSON body and from streamed events, split anywhere", () => {
  const chat = JSON.stringify({
    choices: [{ message: { role: "assistant", content: "Hello" }, finish_reason: "stop" }],
  });
  assert.deepEqual(outputMessagesOf("openai-chat", false, chat), [
    { role: "assistant", text: "Hello", finishReason: "stop" },
  ]);
  const sse =
    'data: {"choices":[{"delta":{"role":"assistant","content":"Hel"}}]}\n\n' +
    'data: {"choices":[{"delta":{"content":"lo"},"finish_reason":"length"}]}\n\n' +
    'data: {"choices":[],"usage":{"prompt_tokens":1}}\n\ndata: [DONE]\n\n';
  assert.deepEqual(outputMessagesOf("openai-chat", true, sse), [
    { role: "assistant", text: "Hello", finishReason: "length" },
  ]);
  const anthropic =
    'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}}\n\n' +
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"}}\n\n';
  assert.deepEqual(outputMessagesOf("anthropic-messages", true, anthropic), [
    { role: "assistant", text: "Hi", finishReason: "end_turn" },
  ]);
  assert.deepEqual(
    outputMessagesOf(
      "anthropic-messages",
      false,
      '{"role":"assistant","content":[{"type":"text","text":"Yo"}],"stop_reason":"end_turn"}',
    ),
    [{ role: "assistant", text: "Yo", finishReason: "end_turn" }],
  );
  assert.equal(outputMessagesOf("openai-chat", false, "not json"), undefined);
});

test("invocation parameters keep the settings and drop every field that holds content", () => {
  assert.deepEqual(
    invocationParametersOf({
      model: "m",
      temperature: 0.2,
      messages: [{ role: "user", content: "secret" }],
      tools: [{ type: "function" }],
      system: "s",
      input: "i",
      prompt: "p",
      metadata: { user: "u" },
      stream: true,
    }),
    { model: "m", temperature: 0.2, stream: true },
  );
});

test("input messages: speech's input, and /tokenize's prompt or messages", () => {
  assert.deepEqual(
    inputMessagesOf("openai-audio-speech", { model: "tts", input: "Say hi", voice: "alloy" }),
    [{ role: "user", text: "Say hi" }],
  );
  assert.deepEqual(inputMessagesOf("tokenize", { model: "m", prompt: "count me" }), [
    { role: "user", text: "count me" },
  ]);
  assert.deepEqual(
    inputMessagesOf("tokenize", { model: "m", messages: [{ role: "system", content: "terse" }] }),
    [{ role: "system", text: "terse" }],
  );
});
