import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import {
  bedrockBackendDocs,
  type FakeBedrock,
  type FakeBedrockAnswer,
  type FakeBedrockCall,
  startFakeBedrock,
} from "../support/fake-bedrock.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The official Anthropic SDK -> gateway (/anthropic/v1/messages) -> a fake AWS Bedrock runtime:
 * Messages are translated to Converse / ConverseStream and the answers back to Anthropic messages
 * and Anthropic SSE, which the SDK's stream helper assembles.
 */

const CREDENTIALS = {
  accessKeyId: "ASIAIOSFODNN7EXAMPLE",
  secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQEXAMPLE",
};
const NOVA = "amazon.nova-pro-v1:0";

let fake: FakeBedrock;
let gateway: TestGateway;
let client: Anthropic;

before(async () => {
  fake = await startFakeBedrock({ credentials: CREDENTIALS, region: "us-west-2", answer });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      bedrockBackendDocs("bedrock", fake, { credentials: CREDENTIALS, region: "us-west-2" }),
      routeDoc("bedrock", {
        rules: [
          { matches: [modelIs(NOVA), modelIs("overloaded")], backendRefs: [{ name: "bedrock" }] },
          {
            matches: [modelIs("claude-sonnet")],
            backendRefs: [
              { name: "bedrock", modelNameOverride: "us.anthropic.claude-sonnet-4-20250514-v1:0" },
            ],
          },
        ],
      }),
    ),
  );
  client = new Anthropic({ apiKey: "sk-ant-client", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
});

function answer(call: FakeBedrockCall): FakeBedrockAnswer {
  if (call.modelId === "overloaded") {
    return {
      status: 503,
      errorType: "ServiceUnavailableException",
      message: "Bedrock is unable to process your request.",
    };
  }
  const wantsTool =
    call.body.toolConfig !== undefined && !JSON.stringify(call.body.messages).includes("toolResult");
  if (call.operation === "converse-stream") {
    return {
      events: wantsTool
        ? [
            ["messageStart", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", role: "assistant" }],
            [
              "contentBlockDelta",
              { contentBlockIndex: 0, delta: { reasoningContent: { text: "Need weather." } }, p: "abcdef" },
            ],
            [
              "contentBlockDelta",
              {
                contentBlockIndex: 0,
                delta: { reasoningContent: { signature: "ErUBCkYIBRgCIkD3" } },
                p: "ab",
              },
            ],
            ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopqrstuvwxyzABCDEFGH" }],
            [
              "contentBlockStart",
              {
                contentBlockIndex: 1,
                p: "abcdefghijklmnopqr",
                start: { toolUse: { name: "get_weather", toolUseId: "tooluse_Yk2yQ0Eu" } },
              },
            ],
            [
              "contentBlockDelta",
              { contentBlockIndex: 1, delta: { toolUse: { input: '{"city"' } }, p: "abcdefghijklmnopqrstu" },
            ],
            [
              "contentBlockDelta",
              { contentBlockIndex: 1, delta: { toolUse: { input: ': "Oslo"}' } }, p: "abcdefgh" },
            ],
            ["contentBlockStop", { contentBlockIndex: 1, p: "abcdefghijkl" }],
            ["messageStop", { p: "abcdefghijklmnopqrstuvwxyzABCDEF", stopReason: "tool_use" }],
            [
              "metadata",
              {
                metrics: { latencyMs: 1422 },
                p: "abcdefghijklmnop",
                usage: { inputTokens: 512, outputTokens: 87, totalTokens: 599 },
              },
            ],
          ]
        : [
            ["messageStart", { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL", role: "assistant" }],
            [
              "contentBlockDelta",
              { contentBlockIndex: 0, delta: { text: "Bonjour" }, p: "abcdefghijklmnopqrstuvwxyzA" },
            ],
            [
              "contentBlockDelta",
              { contentBlockIndex: 0, delta: { text: " le monde !" }, p: "abcdefghijklm" },
            ],
            ["contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopqrs" }],
            [
              "messageStop",
              { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", stopReason: "end_turn" },
            ],
            [
              "metadata",
              {
                metrics: { latencyMs: 398 },
                p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
                usage: {
                  cacheReadInputTokens: 900,
                  cacheWriteInputTokens: 100,
                  inputTokens: 14,
                  outputTokens: 6,
                  totalTokens: 1020,
                },
              },
            ],
          ],
    };
  }
  return {
    json: {
      metrics: { latencyMs: 655 },
      output: { message: { role: "assistant", content: [{ text: "Bonjour le monde !" }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 14, outputTokens: 6, totalTokens: 20 },
    },
  };
}

const observe = <T>(call: () => Promise<T>) => observeCalls(gateway, fake, call);

test("messages.create: a Converse call signed with the session token, answered as an Anthropic message", async () => {
  const { result, calls, record } = await observe(() =>
    client.messages.create({
      model: NOVA,
      max_tokens: 200,
      system: "Translate to French.",
      messages: [{ role: "user", content: "Hello world!" }],
    }),
  );
  assert.equal(result.type, "message");
  assert.equal(result.model, NOVA);
  assert.deepEqual(result.content, [{ type: "text", text: "Bonjour le monde !" }]);
  assert.equal(result.stop_reason, "end_turn");
  assert.equal(result.usage.input_tokens, 14);
  assert.equal(result.usage.output_tokens, 6);
  assert.equal(calls[0]?.request.url, "/model/amazon.nova-pro-v1%3A0/converse");
  assert.equal(calls[0]?.request.headers["x-amz-security-token"], CREDENTIALS.sessionToken);
  assert.deepEqual(calls[0]?.body, {
    messages: [{ role: "user", content: [{ text: "Hello world!" }] }],
    system: [{ text: "Translate to French." }],
    inferenceConfig: { maxTokens: 200 },
  });
  assert.equal(record.status, 200);
  assert.deepEqual(record.usage, {
    inputTokens: 14,
    outputTokens: 6,
    totalTokens: 20,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  });
});

test("messages.stream: the SDK assembles the message; usage (with cache) counted once", async () => {
  const { result, calls, record } = await observe(() =>
    client.messages
      .stream({ model: NOVA, max_tokens: 200, messages: [{ role: "user", content: "Hello world!" }] })
      .finalMessage(),
  );
  assert.equal(calls[0]?.request.url, "/model/amazon.nova-pro-v1%3A0/converse-stream");
  assert.deepEqual(result.content, [{ type: "text", text: "Bonjour le monde !" }]);
  assert.equal(result.stop_reason, "end_turn");
  assert.equal(result.usage.input_tokens, 14);
  assert.equal(result.usage.output_tokens, 6);
  assert.equal(result.usage.cache_read_input_tokens, 900);
  assert.equal(result.usage.cache_creation_input_tokens, 100);
  assert.deepEqual(record.usage, {
    inputTokens: 1014,
    outputTokens: 6,
    totalTokens: 1020,
    cachedInputTokens: 900,
    cacheCreationInputTokens: 100,
    reasoningTokens: 0,
  });
});

test("thinking and tool use stream into thinking and tool_use blocks; tool results go back as toolResult", async () => {
  const tools = [
    {
      name: "get_weather",
      description: "Current weather",
      input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
    },
  ];
  const first = await observe(() =>
    client.messages
      .stream({
        model: "claude-sonnet",
        max_tokens: 2048,
        thinking: { type: "enabled", budget_tokens: 1024 },
        tools,
        messages: [{ role: "user", content: "Weather in Oslo?" }],
      })
      .finalMessage(),
  );
  assert.equal(first.calls[0]?.modelId, "us.anthropic.claude-sonnet-4-20250514-v1:0");
  assert.deepEqual(first.calls[0]?.body.additionalModelRequestFields, {
    thinking: { type: "enabled", budget_tokens: 1024 },
  });
  assert.equal(first.result.stop_reason, "tool_use");
  assert.deepEqual(first.result.content, [
    { type: "thinking", thinking: "Need weather.", signature: "ErUBCkYIBRgCIkD3" },
    { type: "tool_use", id: "tooluse_Yk2yQ0Eu", name: "get_weather", input: { city: "Oslo" } },
  ]);
  assert.equal(first.result.usage.input_tokens, 512);
  assert.equal(first.result.usage.output_tokens, 87);
  assert.equal(first.record.usage.outputTokens, 87);

  const second = await observe(() =>
    client.messages.create({
      model: "claude-sonnet",
      max_tokens: 2048,
      tools,
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        {
          role: "assistant",
          content: first.result.content.map((block) => ({ ...block })) as Anthropic.ContentBlockParam[],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "tooluse_Yk2yQ0Eu", content: "-3C, snow" }],
        },
      ],
    }),
  );
  const sentMessages = second.calls[0]?.body.messages;
  assert.ok(Array.isArray(sentMessages));
  assert.deepEqual(sentMessages.slice(1), [
    {
      role: "assistant",
      content: [
        { reasoningContent: { reasoningText: { text: "Need weather.", signature: "ErUBCkYIBRgCIkD3" } } },
        { toolUse: { toolUseId: "tooluse_Yk2yQ0Eu", name: "get_weather", input: { city: "Oslo" } } },
      ],
    },
    {
      role: "user",
      content: [{ toolResult: { toolUseId: "tooluse_Yk2yQ0Eu", content: [{ text: "-3C, snow" }] } }],
    },
  ]);
  assert.deepEqual(second.result.content, [{ type: "text", text: "Bonjour le monde !" }]);
});

test("Bedrock errors arrive as Anthropic errors; a URL image is 422", async () => {
  await assert.rejects(
    client.messages.create({
      model: "overloaded",
      max_tokens: 10,
      messages: [{ role: "user", content: "Hi" }],
    }),
    (err: unknown) =>
      err instanceof Anthropic.APIError &&
      err.status === 503 &&
      (err.error as { error?: { type?: string; message?: string } }).error?.type === "overloaded_error" &&
      (err.error as { error?: { message?: string } }).error?.message ===
        "Bedrock is unable to process your request.",
  );
  await assert.rejects(
    client.messages.create({
      model: NOVA,
      max_tokens: 10,
      messages: [
        {
          role: "user",
          content: [{ type: "image", source: { type: "url", url: "https://example.com/cat.png" } }],
        },
      ],
    }),
    (err: unknown) =>
      err instanceof Anthropic.UnprocessableEntityError &&
      /remote image URLs are not supported by AWS Bedrock/.test(err.message),
  );
});
