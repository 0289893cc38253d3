import * as assert from "node:assert/strict";
import { test } from "node:test";
import { openAIChatBedrockTranslator } from "../../../src/providers/aws-bedrock/openai-chat-bedrock-translator.js";
import { UpstreamProtocolError } from "../../../src/providers/translator.js";
import {
  BEDROCK_DATE_SECONDS,
  BEDROCK_HEADERS,
  bedrockContext,
  bedrockErrorHeaders,
  BEDROCK_MODEL as MODEL,
} from "./bedrock-test-input.js";

function answer(status: number, body: unknown, headers?: Record<string, string>) {
  const translator = openAIChatBedrockTranslator.response(bedrockContext(status, headers ? { headers } : {}));
  const out = translator.body(Buffer.from(typeof body === "string" ? body : JSON.stringify(body)));
  return { out, json: JSON.parse(String(out.body)) as Record<string, unknown>, translator };
}

test("a text answer becomes a chat.completion with id, created and model from the request", () => {
  const { out, json, translator } = answer(200, {
    metrics: { latencyMs: 1014 },
    output: { message: { content: [{ text: "Hello! How can I help you today?" }], role: "assistant" } },
    stopReason: "end_turn",
    usage: { inputTokens: 12, outputTokens: 11, totalTokens: 23 },
  });
  assert.equal(out.status, 200);
  assert.equal(out.contentType, "application/json");
  assert.deepEqual(json, {
    id: BEDROCK_HEADERS["x-amzn-requestid"],
    object: "chat.completion",
    created: BEDROCK_DATE_SECONDS,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Hello! How can I help you today?" },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 11, total_tokens: 23 },
  });
  assert.deepEqual(translator.usage, {
    inputTokens: 12,
    outputTokens: 11,
    totalTokens: 23,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  });
  assert.equal(translator.responseModel, MODEL);
});

test("tool use, reasoning and cache usage", () => {
  const { json, translator } = answer(200, {
    metrics: { latencyMs: 2551 },
    output: {
      message: {
        content: [
          {
            reasoningContent: {
              reasoningText: { signature: "EqoBCkgIBxAB", text: "Need the weather tool." },
            },
          },
          { reasoningContent: { redactedContent: "EmwKAhgBEgy3va3pzix" } },
          { text: "Checking." },
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
      cacheReadInputTokenCount: 1024,
      cacheReadInputTokens: 1024,
      cacheWriteInputTokenCount: 300,
      cacheWriteInputTokens: 300,
      inputTokens: 15,
      outputTokens: 30,
      totalTokens: 1369,
    },
  });
  const choice = (json.choices as Record<string, unknown>[])[0];
  assert.equal(choice?.finish_reason, "tool_calls");
  assert.deepEqual(choice?.message, {
    role: "assistant",
    content: "Checking.",
    tool_calls: [
      {
        id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
    ],
    reasoning_content: "Need the weather tool.",
    thinking_blocks: [
      { type: "thinking", thinking: "Need the weather tool.", signature: "EqoBCkgIBxAB" },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" },
    ],
  });
  assert.deepEqual(json.usage, {
    prompt_tokens: 1339,
    completion_tokens: 30,
    total_tokens: 1369,
    prompt_tokens_details: { cached_tokens: 1024, cache_creation_tokens: 300 },
  });
  assert.deepEqual(translator.usage, {
    inputTokens: 1339,
    outputTokens: 30,
    totalTokens: 1369,
    cachedInputTokens: 1024,
    cacheCreationInputTokens: 300,
    reasoningTokens: 0,
  });
});

test("stop reasons map to OpenAI finish reasons", () => {
  const cases: [string, string][] = [
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["content_filtered", "content_filter"],
    ["guardrail_intervened", "content_filter"],
    ["malformed_model_output", "stop"],
  ];
  for (const [stopReason, finish] of cases) {
    const { json } = answer(200, {
      output: { message: { content: [{ text: "x" }], role: "assistant" } },
      stopReason,
    });
    assert.equal((json.choices as Record<string, unknown>[])[0]?.finish_reason, finish, stopReason);
  }
});

test("JSON errors keep the status and take their type from x-amzn-errortype without the coral suffix", () => {
  const { out, json, translator } = answer(
    400,
    {
      message:
        "The model returned the following errors: messages.0.content: text content blocks must be non-empty",
    },
    {
      ...bedrockErrorHeaders("ValidationException"),
      "x-amzn-requestid": "9c1b3e2a-0000-4000-8000-000000000001",
    },
  );
  assert.equal(out.status, 400);
  assert.deepEqual(json, {
    type: "error",
    error: {
      type: "ValidationException",
      code: "400",
      message:
        "The model returned the following errors: messages.0.content: text content blocks must be non-empty",
    },
  });
  assert.equal(translator.usage.totalTokens, 0);

  const throttled = answer(
    429,
    { message: "Too many requests, please wait before trying again." },
    bedrockErrorHeaders("ThrottlingException"),
  );
  assert.deepEqual(throttled.json, {
    type: "error",
    error: {
      type: "ThrottlingException",
      code: "429",
      message: "Too many requests, please wait before trying again.",
    },
  });
});

test("a non-JSON error is an AWSBedrockBackendError with the raw text", () => {
  const { out, json } = answer(503, "<html><body>Service Unavailable</body></html>", {
    "content-type": "text/html",
  });
  assert.equal(out.status, 503);
  assert.deepEqual(json, {
    type: "error",
    error: {
      type: "AWSBedrockBackendError",
      code: "503",
      message: "<html><body>Service Unavailable</body></html>",
    },
  });
});

test("a 200 without output, or not JSON, is an upstream failure (UpstreamProtocolError), not an empty answer", () => {
  const bad: [unknown, string][] = [
    [
      { Output: { __type: "com.amazon.coral.service#UnknownOperationException" }, Version: "1.0" },
      "AWS Bedrock answered 200 without 'output' (stopReason=)",
    ],
    [
      { stopReason: { toString: 1 } },
      "AWS Bedrock answered 200 without 'output' (stopReason={\"toString\":1})",
    ],
    ["<html>gateway</html>", "AWS Bedrock answered 200 with a body that is not JSON"],
    [
      '{"output":{"message":{"content":[{"text":"cut',
      "AWS Bedrock answered 200 with a body that is not JSON",
    ],
    ["", "AWS Bedrock answered 200 with a body that is not JSON"],
    [
      { output: { message: { content: [null] } } },
      "AWS Bedrock answered 200 with a content block that is not an object",
    ],
  ];
  for (const [body, message] of bad) {
    assert.throws(
      () => answer(200, body),
      (err: unknown) => err instanceof UpstreamProtocolError && err.message === message,
      JSON.stringify(body),
    );
  }
});
