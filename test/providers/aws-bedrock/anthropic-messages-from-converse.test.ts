import * as assert from "node:assert/strict";
import { test } from "node:test";
import { anthropicMessagesBedrockTranslator } from "../../../src/providers/aws-bedrock/anthropic-messages-bedrock-translator.js";
import { UpstreamProtocolError } from "../../../src/providers/translator.js";
import { encodeAwsException } from "../../support/encode-aws-event.js";
import { splitSseEvents } from "../../support/sse-events.js";
import { anthropicEvent } from "../anthropic/translator-harness.js";
import {
  BEDROCK_HEADERS,
  bedrockContext,
  bedrockErrorHeaders,
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

const ID = BEDROCK_HEADERS["x-amzn-requestid"];

const run = (bytes: Buffer, cuts?: number[]) =>
  runBedrockStream(anthropicMessagesBedrockTranslator, bytes, cuts);

/** [event name, parsed data] per SSE event; every event must carry an `event:` line. */
function events(body: string): [string, Record<string, unknown>][] {
  return splitSseEvents(body).map((raw) => {
    const match = /^event: (\S+)\ndata: (.*)\n\n$/s.exec(raw);
    assert.ok(match, `malformed SSE event: ${JSON.stringify(raw)}`);
    return [match[1] as string, JSON.parse(match[2] as string) as Record<string, unknown>];
  });
}

/** [event name, block index, content_block or delta] per SSE event. */
function blocks(body: string): [string, unknown, unknown][] {
  return events(body).map(([name, data]) => [
    name,
    data.index,
    (data.content_block ?? data.delta) as unknown,
  ]);
}

test("a buffered answer becomes an Anthropic message with usage split like Anthropic's", () => {
  const translator = anthropicMessagesBedrockTranslator.response(bedrockContext(200));
  const out = translator.body(
    Buffer.from(
      JSON.stringify({
        metrics: { latencyMs: 1830 },
        output: {
          message: {
            content: [
              { reasoningContent: { reasoningText: { signature: "EqoBCkgIBxAB", text: "Use the tool." } } },
              { reasoningContent: { redactedContent: Buffer.from("EmwKAhgBEgy3").toString("base64") } },
              { text: "Let me look." },
              {
                toolUse: {
                  input: { city: "Paris" },
                  name: "get_weather",
                  toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                },
              },
            ],
            role: "assistant",
          },
        },
        stopReason: "tool_use",
        usage: {
          cacheReadInputTokens: 200,
          cacheWriteInputTokens: 50,
          inputTokens: 20,
          outputTokens: 40,
          totalTokens: 310,
        },
      }),
    ),
  );
  assert.equal(out.status, 200);
  assert.deepEqual(JSON.parse(String(out.body)), {
    id: ID,
    type: "message",
    role: "assistant",
    model: MODEL,
    content: [
      { type: "thinking", thinking: "Use the tool.", signature: "EqoBCkgIBxAB" },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3" },
      { type: "text", text: "Let me look." },
      {
        type: "tool_use",
        id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
        name: "get_weather",
        input: { city: "Paris" },
      },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: {
      input_tokens: 20,
      output_tokens: 40,
      cache_creation_input_tokens: 50,
      cache_read_input_tokens: 200,
    },
  });
  assert.deepEqual(translator.usage, {
    inputTokens: 270,
    outputTokens: 40,
    totalTokens: 310,
    cachedInputTokens: 200,
    cacheCreationInputTokens: 50,
    reasoningTokens: 0,
  });
});

test("errors use the Anthropic envelope with the type for the status", () => {
  const translator = anthropicMessagesBedrockTranslator.response(
    bedrockContext(429, { headers: bedrockErrorHeaders("ThrottlingException") }),
  );
  const out = translator.body(
    Buffer.from('{"message":"Too many requests, please wait before trying again."}'),
  );
  assert.equal(out.status, 429);
  assert.deepEqual(JSON.parse(String(out.body)), {
    type: "error",
    error: { type: "rate_limit_error", message: "Too many requests, please wait before trying again." },
  });
  // A 200 without output is not an answer: the gateway answers 502 for UpstreamProtocolError.
  assert.throws(
    () => anthropicMessagesBedrockTranslator.response(bedrockContext(200)).body(Buffer.from("{}")),
    (err: unknown) =>
      err instanceof UpstreamProtocolError &&
      err.message === "AWS Bedrock answered 200 without 'output' (stopReason=)",
  );
});

test("a text stream: message_start, a text block, then message_delta with the full usage and message_stop", () => {
  const { out, translator } = run(encodeStream(TEXT_STREAM));
  assert.deepEqual(events(out), [
    anthropicEvent({
      type: "message_start",
      message: {
        id: ID,
        type: "message",
        role: "assistant",
        model: MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    }),
    anthropicEvent({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    anthropicEvent({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }),
    anthropicEvent({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: "! How can I help?" },
    }),
    anthropicEvent({ type: "content_block_stop", index: 0 }),
    anthropicEvent({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: {
        input_tokens: 12,
        output_tokens: 9,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    }),
    anthropicEvent({ type: "message_stop" }),
  ]);
  assert.equal(translator.usage.inputTokens, 12);
  assert.equal(translator.usage.outputTokens, 9);
});

test("tool blocks start with id and name and stream input_json_delta; indexes follow appearance", () => {
  const bytes = encodeStream(TOOL_STREAM);
  const { out, translator } = run(bytes);
  assert.deepEqual(blocks(out).slice(1, -2), [
    ["content_block_start", 0, { type: "text", text: "" }],
    ["content_block_delta", 0, { type: "text_delta", text: "Let me check both." }],
    ["content_block_stop", 0, undefined],
    [
      "content_block_start",
      1,
      { type: "tool_use", id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name: "get_weather", input: {} },
    ],
    ["content_block_delta", 1, { type: "input_json_delta", partial_json: "" }],
    ["content_block_delta", 1, { type: "input_json_delta", partial_json: '{"city": "Pa' }],
    ["content_block_delta", 1, { type: "input_json_delta", partial_json: 'ris"}' }],
    ["content_block_stop", 1, undefined],
    [
      "content_block_start",
      2,
      { type: "tool_use", id: "tooluse_Qm1xV0bYS2eB7cUO9pHkAw", name: "get_weather", input: {} },
    ],
    ["content_block_delta", 2, { type: "input_json_delta", partial_json: '{"city": "Berlin"}' }],
    ["content_block_stop", 2, undefined],
  ]);
  assert.deepEqual(events(out).at(-2), [
    "message_delta",
    {
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: {
        input_tokens: 380,
        output_tokens: 112,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1024,
      },
    },
  ]);
  assert.equal(translator.usage.inputTokens, 1404);
  assert.equal(translator.usage.cachedInputTokens, 1024);
  for (let cut = 1; cut < bytes.length; cut += 3) assert.equal(run(bytes, [cut]).out, out, `cut at ${cut}`);
});

test("reasoning streams as a thinking block with thinking and signature deltas", () => {
  const { out } = run(encodeStream(REASONING_STREAM));
  assert.deepEqual(blocks(out).slice(1, 8), [
    ["content_block_start", 0, { type: "thinking", thinking: "", signature: "" }],
    ["content_block_delta", 0, { type: "thinking_delta", thinking: "The user asks 2+2. " }],
    ["content_block_delta", 0, { type: "thinking_delta", thinking: "That is 4." }],
    ["content_block_delta", 0, { type: "signature_delta", signature: "EqoBCkgIBxABGAIiQHx7Sg0hD1Hc2qj1" }],
    ["content_block_stop", 0, undefined],
    ["content_block_start", 1, { type: "text", text: "" }],
    ["content_block_delta", 1, { type: "text_delta", text: "4" }],
  ]);
});

test("metadata before messageStop and no messageStart still give a well-formed stream", () => {
  const names = events(run(encodeStream(METADATA_FIRST_TEXT_STREAM)).out).map(([name]) => name);
  assert.deepEqual(names, [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
});

test("an in-stream exception becomes an Anthropic error event and ends the stream", () => {
  const bytes = Buffer.concat([
    encodeStream(TEXT_STREAM.slice(0, 2)),
    encodeAwsException("modelStreamErrorException", { message: "Model stream error: connection reset" }),
  ]);
  const seen = events(run(bytes).out);
  assert.deepEqual(seen.at(-1), [
    "error",
    { type: "error", error: { type: "api_error", message: "Model stream error: connection reset" } },
  ]);
  const overloaded = events(
    run(
      Buffer.concat([
        encodeAwsException("serviceUnavailableException", {
          message: "Bedrock is unable to process your request.",
        }),
      ]),
    ).out,
  );
  assert.deepEqual(overloaded.at(-1)?.[1], {
    type: "error",
    error: { type: "overloaded_error", message: "Bedrock is unable to process your request." },
  });
});
