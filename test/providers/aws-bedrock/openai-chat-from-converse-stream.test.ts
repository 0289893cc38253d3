import * as assert from "node:assert/strict";
import { test } from "node:test";
import { openAIChatBedrockTranslator } from "../../../src/providers/aws-bedrock/openai-chat-bedrock-translator.js";
import { encodeAwsEvent, encodeAwsException } from "../../support/encode-aws-event.js";
import { sseDataPayloads, sseJsonChunks } from "../../support/sse-events.js";
import {
  BEDROCK_DATE_SECONDS,
  BEDROCK_HEADERS,
  BEDROCK_MODEL as MODEL,
  runBedrockStream,
} from "./bedrock-test-input.js";
import {
  encodeStream,
  METADATA_FIRST_TEXT_STREAM,
  REASONING_STREAM,
  TEXT_STREAM,
  TOOL_STREAM,
} from "./converse-stream-fixtures.js";

const run = (bytes: Buffer, cuts?: number[]) => runBedrockStream(openAIChatBedrockTranslator, bytes, cuts);

function deltas(body: string): unknown[] {
  return sseJsonChunks(body).map((chunk) => {
    const choices = chunk.choices as Record<string, unknown>[];
    return choices.length === 0
      ? { usage: chunk.usage }
      : { delta: choices[0]?.delta, finish: choices[0]?.finish_reason };
  });
}

test("a text stream: role, content deltas, finish_reason, usage chunk, [DONE]", () => {
  const { out, translator } = run(encodeStream(TEXT_STREAM));
  const head = `{"id":"${BEDROCK_HEADERS["x-amzn-requestid"]}","object":"chat.completion.chunk","created":${BEDROCK_DATE_SECONDS},"model":"${MODEL}","choices":`;
  assert.equal(
    out,
    [
      `data: ${head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
      `data: ${head}[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}\n\n`,
      `data: ${head}[{"index":0,"delta":{"content":"! How can I help?"},"logprobs":null,"finish_reason":null}]}\n\n`,
      `data: ${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n`,
      `data: ${head}[],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}\n\n`,
      "data: [DONE]\n\n",
    ].join(""),
  );
  assert.equal(translator.streamContentType, "text/event-stream");
  assert.deepEqual(translator.usage, {
    inputTokens: 12,
    outputTokens: 9,
    totalTokens: 21,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  });
});

test("the output is the same wherever the upstream bytes are cut", () => {
  const bytes = encodeStream(TOOL_STREAM);
  const expected = run(bytes).out;
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.equal(run(bytes, [cut]).out, expected, `cut at ${cut}`);
  }
  for (let cut = 1; cut + 7 < bytes.length; cut += 13) {
    assert.equal(run(bytes, [cut, cut + 7]).out, expected, `cuts at ${cut}, ${cut + 7}`);
  }
});

test("tool calls get their id and name first, then argument deltas, with indexes 0, 1, ...", () => {
  const { out, translator } = run(encodeStream(TOOL_STREAM));
  assert.deepEqual(deltas(out), [
    { delta: { role: "assistant", content: "" }, finish: null },
    { delta: { content: "Let me check both." }, finish: null },
    {
      delta: {
        tool_calls: [
          {
            index: 0,
            id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
            type: "function",
            function: { name: "get_weather", arguments: "" },
          },
        ],
      },
      finish: null,
    },
    { delta: { tool_calls: [{ index: 0, function: { arguments: "" } }] }, finish: null },
    { delta: { tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] }, finish: null },
    { delta: { tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] }, finish: null },
    {
      delta: {
        tool_calls: [
          {
            index: 1,
            id: "tooluse_Qm1xV0bYS2eB7cUO9pHkAw",
            type: "function",
            function: { name: "get_weather", arguments: "" },
          },
        ],
      },
      finish: null,
    },
    { delta: { tool_calls: [{ index: 1, function: { arguments: '{"city": "Berlin"}' } }] }, finish: null },
    { delta: {}, finish: "tool_calls" },
    {
      usage: {
        prompt_tokens: 1404,
        completion_tokens: 112,
        total_tokens: 1516,
        prompt_tokens_details: { cached_tokens: 1024, cache_creation_tokens: 0 },
      },
    },
  ]);
  assert.deepEqual(translator.usage, {
    inputTokens: 1404,
    outputTokens: 112,
    totalTokens: 1516,
    cachedInputTokens: 1024,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  });
});

test("reasoning deltas go to reasoning_content, the signature to thinking_blocks", () => {
  const { out } = run(encodeStream(REASONING_STREAM));
  assert.deepEqual(deltas(out).slice(0, 5), [
    { delta: { role: "assistant", content: "" }, finish: null },
    { delta: { reasoning_content: "The user asks 2+2. " }, finish: null },
    { delta: { reasoning_content: "That is 4." }, finish: null },
    {
      delta: { thinking_blocks: [{ type: "thinking", signature: "EqoBCkgIBxABGAIiQHx7Sg0hD1Hc2qj1" }] },
      finish: null,
    },
    { delta: { content: "4" }, finish: null },
  ]);
});

test("metadata before messageStop and a missing messageStart: role first, usage after finish_reason", () => {
  const { out } = run(encodeStream(METADATA_FIRST_TEXT_STREAM));
  assert.deepEqual(deltas(out), [
    { delta: { role: "assistant", content: "" }, finish: null },
    { delta: { content: "Hello" }, finish: null },
    { delta: {}, finish: "stop" },
    { usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } },
  ]);
  assert.equal(sseDataPayloads(out).at(-1), "[DONE]");
});

test("an exception inside the stream becomes an error event the client sees, and the stream ends", () => {
  const bytes = Buffer.concat([
    encodeStream(TEXT_STREAM.slice(0, 2)),
    encodeAwsException("throttlingException", {
      message: "Too many tokens, please wait before trying again.",
    }),
    encodeAwsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "ignored" } }),
  ]);
  const { out } = run(bytes);
  const payloads = sseDataPayloads(out);
  assert.equal(payloads.length, 3);
  assert.deepEqual(JSON.parse(payloads[2] as string), {
    type: "error",
    error: {
      type: "ThrottlingException",
      code: "429",
      message: "Too many tokens, please wait before trying again.",
    },
  });
  assert.equal(out.includes("[DONE]"), false);
});

test("a stream cut before messageStop, or mid-frame, ends with an error instead of [DONE]", () => {
  const cutBeforeStop = run(encodeStream(TEXT_STREAM.slice(0, 3))).out;
  assert.deepEqual(JSON.parse(sseDataPayloads(cutBeforeStop).at(-1) as string), {
    type: "error",
    error: {
      type: "AWSBedrockBackendError",
      code: "502",
      message: "the AWS Bedrock stream ended before messageStop",
    },
  });
  const whole = encodeStream(TEXT_STREAM);
  const midFrame = run(whole.subarray(0, whole.length - 10)).out;
  assert.match(sseDataPayloads(midFrame).at(-1) as string, /ended in the middle of an event/);
  const corrupt = Buffer.from(whole);
  corrupt.writeUInt8(corrupt.readUInt8(40) ^ 0xff, 40);
  assert.match(sseDataPayloads(run(corrupt).out).at(-1) as string, /corrupt AWS event stream/);
});
