import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
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
 * The official OpenAI SDK -> gateway -> a fake AWS Bedrock runtime that verifies SigV4 and the
 * Converse request shape. Chat is translated to Converse / ConverseStream, embeddings to Titan
 * InvokeModel; errors come back as OpenAI errors and usage is counted exactly.
 */

const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const TITAN = "amazon.titan-embed-text-v2:0";
/** Exactly representable in float32, so base64 and float answers decode to the same numbers. */
const EMBEDDING = [0.125, -0.5, 0.75, 0.0078125];

let fake: FakeBedrock;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  fake = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS, answer });
  const config = configYaml(
    gatewayDocs(),
    bedrockBackendDocs("bedrock", fake, { credentials: EXAMPLE_CREDENTIALS, profile: "bedrock" }),
    bedrockBackendDocs("bedrock-wrong-key", fake, {
      credentials: { accessKeyId: EXAMPLE_CREDENTIALS.accessKeyId, secretAccessKey: "not-the-secret" },
    }),
    bedrockBackendDocs("bedrock-byok", fake, { override: { fallbackToConfigured: false } }),
    routeDoc("bedrock", {
      rules: [
        {
          matches: [modelIs(CLAUDE), modelIs(TITAN), modelIs("bedrock-fails")],
          backendRefs: [{ name: "bedrock" }],
        },
        { matches: [modelIs("claude")], backendRefs: [{ name: "bedrock", modelNameOverride: CLAUDE }] },
        {
          matches: [modelIs("claude-wrong-key")],
          backendRefs: [{ name: "bedrock-wrong-key", modelNameOverride: CLAUDE }],
        },
        {
          matches: [modelIs("claude-byok")],
          backendRefs: [{ name: "bedrock-byok", modelNameOverride: CLAUDE }],
        },
      ],
    }),
  );
  gateway = await startTestGateway(config);
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
});

/** The fake's answers: by operation, tool presence and the last user text. */
function answer(call: FakeBedrockCall): FakeBedrockAnswer {
  if (call.modelId === TITAN) return { json: { embedding: EMBEDDING, inputTextTokenCount: 3 } };
  if (call.modelId === "bedrock-fails") {
    return {
      status: 400,
      errorType: "ValidationException",
      message: "The provided model identifier is invalid.",
    };
  }
  const lastText = JSON.stringify((call.body.messages as unknown[]).at(-1));
  if (call.operation === "converse-stream") {
    if (lastText.includes("throttle me")) {
      return {
        events: [
          ["messageStart", { p: "abcdefgh", role: "assistant" }],
          ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Par" }, p: "abcdefghijklmnop" }],
        ],
        exception: {
          type: "throttlingException",
          message: "Too many tokens, please wait before trying again.",
        },
      };
    }
    if (call.body.toolConfig !== undefined && !lastText.includes("toolResult"))
      return { events: TOOL_EVENTS };
    return { events: TEXT_EVENTS };
  }
  if (call.body.toolConfig !== undefined && !lastText.includes("toolResult")) {
    return {
      json: {
        metrics: { latencyMs: 804 },
        output: {
          message: {
            role: "assistant",
            content: [
              { text: "I'll look that up." },
              {
                toolUse: {
                  toolUseId: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g",
                  name: "get_weather",
                  input: { city: "Paris" },
                },
              },
            ],
          },
        },
        stopReason: "tool_use",
        usage: { inputTokens: 402, outputTokens: 61, totalTokens: 463 },
      },
    };
  }
  return {
    json: {
      metrics: { latencyMs: 512 },
      output: { message: { role: "assistant", content: [{ text: "Paris is the capital of France." }] } },
      stopReason: "end_turn",
      usage: {
        cacheReadInputTokens: 1200,
        cacheWriteInputTokens: 0,
        inputTokens: 21,
        outputTokens: 8,
        totalTokens: 1229,
      },
    },
  };
}

const TEXT_EVENTS: [string, Record<string, unknown>][] = [
  ["messageStart", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP", role: "assistant" }],
  ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Paris is" }, p: "abcdefghijk" }],
  [
    "contentBlockDelta",
    { contentBlockIndex: 0, delta: { text: " the capital of France." }, p: "abcdefghijklmnopqrstu" },
  ],
  ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopqrstuvwxyzABCDEFG" }],
  ["messageStop", { p: "abcdefghijklmnopq", stopReason: "end_turn" }],
  [
    "metadata",
    {
      metrics: { latencyMs: 377 },
      p: "abcdefghijklmnopqrstuvwx",
      usage: { inputTokens: 21, outputTokens: 8, totalTokens: 29 },
    },
  ],
];

const TOOL_EVENTS: [string, Record<string, unknown>][] = [
  ["messageStart", { p: "abcdefghijklmnopqrstuvw", role: "assistant" }],
  [
    "contentBlockStart",
    {
      contentBlockIndex: 0,
      p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM",
      start: { toolUse: { name: "get_weather", toolUseId: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g" } },
    },
  ],
  ["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } }, p: "abcdefghij" }],
  [
    "contentBlockDelta",
    { contentBlockIndex: 0, delta: { toolUse: { input: ' "Paris"}' } }, p: "abcdefghijklmnopqrstuvwxyzA" },
  ],
  ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnop" }],
  // Real streams may send usage before messageStop.
  [
    "metadata",
    {
      metrics: { latencyMs: 930 },
      p: "abcdefghijklmnopqrstuvwxyzAB",
      usage: { inputTokens: 402, outputTokens: 61, totalTokens: 463 },
    },
  ],
  ["messageStop", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", stopReason: "tool_use" }],
];

const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** Runs `call`, then returns the new fake calls and the one record it caused. */
const observe = <T>(call: () => Promise<T>) => observeCalls(gateway, fake, call);

function usage(input: number, output: number, cached = 0) {
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: input + output,
    cachedInputTokens: cached,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  };
}

test("chat: a Converse call with the escaped model id, answered as a chat.completion with cached usage", async () => {
  const { result, calls, record } = await observe(() =>
    client.chat.completions.create({
      model: CLAUDE,
      messages: [
        { role: "system", content: "Answer in one sentence." },
        { role: "user", content: "What is the capital of France?" },
      ],
      max_tokens: 100,
      temperature: 0,
    }),
  );
  assert.equal(result.object, "chat.completion");
  assert.equal(result.model, CLAUDE);
  assert.equal(result.choices[0]?.message.content, "Paris is the capital of France.");
  assert.equal(result.choices[0]?.finish_reason, "stop");
  assert.deepEqual(result.usage, {
    prompt_tokens: 1221,
    completion_tokens: 8,
    total_tokens: 1229,
    prompt_tokens_details: { cached_tokens: 1200, cache_creation_tokens: 0 },
  });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.request.url, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  assert.deepEqual(calls[0]?.body, {
    messages: [{ role: "user", content: [{ text: "What is the capital of France?" }] }],
    system: [{ text: "Answer in one sentence." }],
    inferenceConfig: { maxTokens: 100, temperature: 0 },
  });
  // The client's key never reaches AWS; the request is SigV4-signed instead.
  assert.match(
    String(calls[0]?.request.headers.authorization),
    /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\//,
  );
  assert.equal(record.status, 200);
  assert.equal(record.backend, "default/bedrock");
  assert.equal(record.responseModel, CLAUDE);
  assert.deepEqual(record.usage, usage(1221, 8, 1200));
});

test("chat stream: text deltas, finish_reason, the usage chunk; usage counted", async () => {
  const { result, calls, record } = await observe(async () => {
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "What is the capital of France?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  });
  assert.equal(calls[0]?.request.url, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
  assert.equal(
    result.map((c) => c.choices[0]?.delta.content ?? "").join(""),
    "Paris is the capital of France.",
  );
  assert.equal(result.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, "stop");
  assert.deepEqual(result.at(-1)?.usage, { prompt_tokens: 21, completion_tokens: 8, total_tokens: 29 });
  assert.equal(record.stream, true);
  assert.equal(record.requestModel, CLAUDE);
  assert.deepEqual(record.usage, usage(21, 8));
});

test("tools: the SDK's stream helper assembles the tool call; the result goes back as toolResult", async () => {
  const { result, record } = await observe(async () => {
    const runner = client.chat.completions.stream({
      model: CLAUDE,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
      tool_choice: "auto",
    });
    return runner.finalChatCompletion();
  });
  const message = result.choices[0]?.message;
  assert.equal(result.choices[0]?.finish_reason, "tool_calls");
  assert.deepEqual(message?.tool_calls, [
    {
      id: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g",
      type: "function",
      function: { name: "get_weather", arguments: '{"city": "Paris"}' },
    },
  ]);
  assert.deepEqual(record.usage, usage(402, 61));

  const second = await observe(() =>
    client.chat.completions.create({
      model: CLAUDE,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g",
              type: "function",
              function: { name: "get_weather", arguments: '{"city": "Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g", content: "18C and sunny" },
      ],
      tools: [WEATHER_TOOL],
    }),
  );
  assert.deepEqual(second.calls[0]?.body.messages, [
    { role: "user", content: [{ text: "Weather in Paris?" }] },
    {
      role: "assistant",
      content: [
        {
          toolUse: {
            toolUseId: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g",
            name: "get_weather",
            input: { city: "Paris" },
          },
        },
      ],
    },
    {
      role: "user",
      content: [
        { toolResult: { toolUseId: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g", content: [{ text: "18C and sunny" }] } },
      ],
    },
  ]);
  assert.equal(second.result.choices[0]?.message.content, "Paris is the capital of France.");
});

test("tools without streaming: tool_calls in the message", async () => {
  const result = await client.chat.completions.create({
    model: CLAUDE,
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [WEATHER_TOOL],
    tool_choice: { type: "function", function: { name: "get_weather" } },
  });
  assert.equal(result.choices[0]?.message.content, "I'll look that up.");
  assert.deepEqual(result.choices[0]?.message.tool_calls, [
    {
      id: "tooluse_8y3qV6PXTR6vXzLdIw5Y3g",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    },
  ]);
  assert.deepEqual(fake.calls.at(-1)?.body.toolConfig, {
    tools: [
      {
        toolSpec: {
          name: "get_weather",
          description: "Current weather in a city",
          inputSchema: {
            json: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      },
    ],
    toolChoice: { tool: { name: "get_weather" } },
  });
});

test("a remote image URL is answered 422 without calling Bedrock", async () => {
  const callsBefore = fake.calls.length;
  const recordsBefore = gateway.records.length;
  await assert.rejects(
    client.chat.completions.create({
      model: CLAUDE,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          ],
        },
      ],
    }),
    (err: unknown) =>
      err instanceof OpenAI.UnprocessableEntityError &&
      err.type === "UnprocessableEntity" &&
      /remote image URLs are not supported by AWS Bedrock/.test(err.message),
  );
  assert.equal(fake.calls.length, callsBefore);
  const record = (await gateway.waitForRecords(recordsBefore + 1))[recordsBefore];
  assert.equal(record?.status, 422);
});

test("Bedrock errors arrive as OpenAI errors with the AWS error type", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "bedrock-fails", messages: [{ role: "user", content: "Hi" }] }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.type === "ValidationException" &&
      err.code === "400" &&
      err.message === "400 The provided model identifier is invalid.",
  );
  await assert.rejects(
    client.chat.completions.create({
      model: "claude-wrong-key",
      messages: [{ role: "user", content: "Hi" }],
    }),
    (err: unknown) => err instanceof OpenAI.PermissionDeniedError && err.type === "InvalidSignatureException",
  );
});

test("an exception inside the event stream reaches the SDK as an error", async () => {
  const seen: string[] = [];
  const recordsBefore = gateway.records.length;
  await assert.rejects(
    (async () => {
      const stream = await client.chat.completions.create({
        model: CLAUDE,
        messages: [{ role: "user", content: "throttle me" }],
        stream: true,
      });
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
    })(),
    (err: unknown) =>
      err instanceof OpenAI.APIError &&
      err.type === "ThrottlingException" &&
      /Too many tokens/.test(err.message),
  );
  assert.equal(seen.join(""), "Par");
  await gateway.waitForRecords(recordsBefore + 1);
});

test("credential override: the client's AWS keys sign the request and are not forwarded; none is 401", async () => {
  const byok = new OpenAI({
    apiKey: "sk-client",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-aigw-aws-access-key-id": EXAMPLE_CREDENTIALS.accessKeyId,
      "x-aigw-aws-secret-access-key": EXAMPLE_CREDENTIALS.secretAccessKey,
    },
  });
  const ok = await observe(() =>
    byok.chat.completions.create({ model: "claude-byok", messages: [{ role: "user", content: "Hi" }] }),
  );
  assert.equal(ok.result.choices[0]?.message.content, "Paris is the capital of France.");
  const sent = ok.calls[0]?.request.headers ?? {};
  assert.equal(Object.keys(sent).filter((name) => name.startsWith("x-aigw-aws-")).length, 0);

  await assert.rejects(
    client.chat.completions.create({ model: "claude-byok", messages: [{ role: "user", content: "Hi" }] }),
    (err: unknown) =>
      err instanceof OpenAI.AuthenticationError &&
      err.type === "Unauthorized" &&
      err.message === "401 missing upstream credential",
  );
});

test("embeddings via Titan: one input per request, usage counted; batches are 422", async () => {
  const { result, calls, record } = await observe(() =>
    client.embeddings.create({ model: TITAN, input: "hello world" }),
  );
  assert.deepEqual(result.data[0]?.embedding, EMBEDDING);
  assert.deepEqual(result.usage, { prompt_tokens: 3, total_tokens: 3 });
  assert.equal(calls[0]?.request.url, "/model/amazon.titan-embed-text-v2%3A0/invoke");
  assert.deepEqual(calls[0]?.body, { inputText: "hello world" });
  assert.deepEqual(record.usage, usage(3, 0));

  const floats = await client.embeddings.create({
    model: TITAN,
    input: "hello world",
    encoding_format: "float",
  });
  assert.deepEqual(floats.data[0]?.embedding, EMBEDDING);

  // What the SDK asked for by default, on the wire: little-endian float32, base64-encoded.
  const raw = await fetch(`${gateway.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: TITAN, input: "hello world", encoding_format: "base64" }),
  });
  const base64 = ((await raw.json()) as { data: { embedding: string }[] }).data[0]?.embedding;
  const expected = Buffer.alloc(16);
  for (const [i, value] of EMBEDDING.entries()) expected.writeFloatLE(value, i * 4);
  assert.equal(base64, expected.toString("base64"));

  await assert.rejects(
    client.embeddings.create({ model: TITAN, input: ["one", "two"] }),
    (err: unknown) =>
      err instanceof OpenAI.UnprocessableEntityError &&
      /one input per request; got 2 inputs/.test(err.message),
  );
});
