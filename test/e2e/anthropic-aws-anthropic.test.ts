import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  bedrockBackendDocs,
  EXAMPLE_CREDENTIALS,
  type FakeBedrock,
  type FakeBedrockAnswer,
  type FakeBedrockCall,
  startFakeBedrock,
} from "../support/fake-bedrock.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Claude on Bedrock (AIServiceBackend schema AWSAnthropic, InvokeModel) behind the gateway, called with
 * the official Anthropic SDK (Messages pass through, model in the path, anthropic_version and allowed
 * betas in the body) and the official OpenAI SDK (chat translated to Messages). The fake Bedrock runtime
 * verifies the SigV4 signature; streamed answers are event-stream `chunk` frames wrapping base64
 * Anthropic events, as Bedrock sends them.
 */

const CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const USAGE = {
  input_tokens: 22,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 10,
  output_tokens: 7,
};
const EXPECTED_USAGE = {
  inputTokens: 32,
  outputTokens: 7,
  totalTokens: 39,
  cachedInputTokens: 10,
  cacheCreationInputTokens: 0,
  reasoningTokens: 0,
};

let fake: FakeBedrock;
let gateway: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;

before(async () => {
  fake = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS, region: "us-east-1", answer });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      bedrockBackendDocs("claude-bedrock", fake, {
        schema: { name: "AWSAnthropic", version: "bedrock-2023-05-31" },
        credentials: EXAMPLE_CREDENTIALS,
        region: "us-east-1",
      }),
      routeDoc("bedrock", {
        rules: [
          {
            matches: [modelIs("claude-sonnet")],
            backendRefs: [{ name: "claude-bedrock", modelNameOverride: CLAUDE }],
          },
          {
            matches: [modelIs("throttled"), modelIs("stream-throttled")],
            backendRefs: [{ name: "claude-bedrock" }],
          },
        ],
      }),
    ),
  );
  anthropic = new Anthropic({ apiKey: "sk-ant-client", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
  openai = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
});

/** The Anthropic events Claude on Bedrock streams for the canned answer. */
function answerEvents(): Record<string, unknown>[] {
  return [
    {
      type: "message_start",
      message: {
        id: "msg_bdrk_01Xyz",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5-20250929",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...USAGE, output_tokens: 1 },
      },
    },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Bonjour" } },
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " le monde !" } },
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 7 },
    },
    {
      type: "message_stop",
      "amazon-bedrock-invocationMetrics": {
        inputTokenCount: 32,
        outputTokenCount: 7,
        invocationLatency: 611,
        firstByteLatency: 208,
      },
    },
  ];
}

function answer(call: FakeBedrockCall): FakeBedrockAnswer {
  if (call.modelId === "throttled") {
    return {
      status: 429,
      errorType: "ThrottlingException",
      message: "Too many requests, please wait before trying again.",
    };
  }
  const events = answerEvents();
  if (call.operation === "invoke-with-response-stream") {
    const wrapped = (call.modelId === "stream-throttled" ? events.slice(0, 2) : events).map(
      (event, i): [string, Record<string, unknown>] => [
        "chunk",
        {
          bytes: Buffer.from(JSON.stringify(event)).toString("base64"),
          p: "abcdefghijklmnopqrstuvwxyz".slice(0, i + 3),
        },
      ],
    );
    return call.modelId === "stream-throttled"
      ? {
          events: wrapped,
          exception: { type: "throttlingException", message: "Too many tokens, please wait." },
        }
      : { events: wrapped };
  }
  return {
    json: {
      id: "msg_bdrk_01Xyz",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: [{ type: "text", text: "Bonjour le monde !" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: USAGE,
    },
  };
}

const observe = <T>(call: () => Promise<T>) => observeCalls(gateway, fake, call);

test("Anthropic SDK: InvokeModel with the model in the path, Bedrock's version and allowed betas in the body", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages.create(
      { model: "claude-sonnet", max_tokens: 200, messages: [{ role: "user", content: "Hello world!" }] },
      { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14,files-api-2025-04-14" } },
    ),
  );
  assert.deepEqual(result.content, [{ type: "text", text: "Bonjour le monde !" }]);
  assert.equal(result.usage.cache_read_input_tokens, 10);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.request.url, "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke");
  assert.deepEqual(calls[0]?.body, {
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: 200,
    messages: [{ role: "user", content: "Hello world!" }],
    anthropic_beta: ["interleaved-thinking-2025-05-14"],
  });
  assert.equal(calls[0]?.request.headers["anthropic-beta"], undefined, "the flags go in the body only");
  assert.equal(record.status, 200);
  assert.equal(record.responseModel, "claude-sonnet-4-5-20250929");
  assert.deepEqual(record.usage, EXPECTED_USAGE);
});

test("Anthropic SDK stream: event-stream chunks become Anthropic SSE the SDK assembles", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages
      .stream({
        model: "claude-sonnet",
        max_tokens: 200,
        messages: [{ role: "user", content: "Hello world!" }],
      })
      .finalMessage(),
  );
  assert.deepEqual(result.content, [{ type: "text", text: "Bonjour le monde !" }]);
  assert.equal(result.stop_reason, "end_turn");
  assert.equal(result.usage.output_tokens, 7);
  assert.equal(
    calls[0]?.request.url,
    "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream",
  );
  assert.equal(calls[0]?.body.stream, undefined, "Bedrock streams by path, and rejects `stream` in the body");
  assert.equal(record.stream, true);
  assert.deepEqual(record.usage, EXPECTED_USAGE);
});

test("OpenAI SDK: chat completions, plain and streamed, from Claude on Bedrock", async () => {
  const plain = await observe(() =>
    openai.chat.completions.create({
      model: "claude-sonnet",
      messages: [{ role: "user", content: "Hello world!" }],
    }),
  );
  assert.equal(plain.result.choices[0]?.message.content, "Bonjour le monde !");
  assert.deepEqual(plain.calls[0]?.body, {
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: 4096,
    messages: [{ role: "user", content: "Hello world!" }],
  });
  assert.deepEqual(plain.record.usage, EXPECTED_USAGE);

  let text = "";
  const usages: unknown[] = [];
  const streamed = await observe(async () => {
    const stream = await openai.chat.completions.create({
      model: "claude-sonnet",
      messages: [{ role: "user", content: "Hello world!" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usages.push(chunk.usage);
    }
  });
  assert.equal(text, "Bonjour le monde !");
  assert.deepEqual(usages, [
    {
      prompt_tokens: 32,
      completion_tokens: 7,
      total_tokens: 39,
      prompt_tokens_details: { cached_tokens: 10 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  ]);
  assert.deepEqual(streamed.record.usage, EXPECTED_USAGE);
});

test("Bedrock errors reach each SDK in its own envelope", async () => {
  const fromAnthropic = await anthropic.messages
    .create({ model: "throttled", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(fromAnthropic instanceof Anthropic.RateLimitError);
  assert.deepEqual((fromAnthropic.error as { error: unknown }).error, {
    type: "rate_limit_error",
    message: "Too many requests, please wait before trying again.",
  });

  const fromOpenAI = await openai.chat.completions
    .create({ model: "throttled", messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(fromOpenAI instanceof OpenAI.RateLimitError);
  assert.deepEqual(fromOpenAI.error, {
    type: "ThrottlingException",
    code: "429",
    message: "Too many requests, please wait before trying again.",
  });

  const inStream = await anthropic.messages
    .stream({ model: "stream-throttled", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .finalMessage()
    .catch((err: unknown) => err);
  assert.ok(inStream instanceof Anthropic.APIError);
  assert.match(String((inStream as Error).message), /Too many tokens, please wait\./);
});
