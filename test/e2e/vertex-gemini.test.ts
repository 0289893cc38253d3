import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type FakeGcpToken, gcpPolicyDocs, startFakeGcpToken } from "../support/fake-gcp-token.js";
import {
  type FakeVertex,
  type FakeVertexAnswer,
  type FakeVertexCall,
  startFakeVertexGemini,
} from "../support/fake-vertex-gemini.js";
import { configYaml, gatewayDocs, modelIs, routeDoc, serviceBackendDocs } from "../support/gateway-yaml.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Gemini on Vertex AI (AIServiceBackend schema GCPVertexAI) behind the gateway: the official OpenAI SDK
 * for chat (translated to generateContent / streamGenerateContent?alt=sse) and embeddings (:predict,
 * :embedContent), the official Anthropic SDK for Messages (translated through chat). The credential is
 * a GCPCredentials policy with a service-account key whose token_uri is a fake Google token endpoint;
 * the fake Vertex accepts only the tokens that endpoint issued, on the policy's project and region.
 */

const LOCATION = { projectName: "aigw-proj", region: "us-central1" };
const FLASH = "gemini-2.5-flash";
const VERSION = "gemini-2.5-flash-001";
const PREFIX = `/v1/projects/${LOCATION.projectName}/locations/${LOCATION.region}/publishers/google/models`;
/** Exactly representable in float32, so base64 and float answers decode to the same numbers. */
const EMBEDDING = [0.125, -0.5, 0.75, 0.0078125];

let token: FakeGcpToken;
let fake: FakeVertex;
let gateway: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

before(async () => {
  token = await startFakeGcpToken();
  fake = await startFakeVertexGemini({ ...LOCATION, isValidToken: (t) => token.isValid(t), answer });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      serviceBackendDocs("vertex", fake.url, { schema: { name: "GCPVertexAI" } }),
      gcpPolicyDocs("vertex", token.account, LOCATION),
      routeDoc("vertex", {
        rules: [
          {
            matches: [modelIs(FLASH), modelIs("text-embedding-005"), modelIs("gemini-embedding-001")],
            backendRefs: [{ name: "vertex" }],
          },
          { matches: [modelIs("gemini")], backendRefs: [{ name: "vertex", modelNameOverride: FLASH }] },
          { matches: [modelIs("gemini-busy")], backendRefs: [{ name: "vertex" }] },
        ],
      }),
    ),
  );
  openai = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-client", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
  await token?.close();
});

const USAGE = { promptTokenCount: 21, candidatesTokenCount: 8, thoughtsTokenCount: 12, totalTokenCount: 41 };

/** The fake's answers, by method, model and the conversation's last turn. */
function answer(call: FakeVertexCall): FakeVertexAnswer {
  if (call.model === "gemini-busy") {
    return {
      status: 429,
      error: { status: "RESOURCE_EXHAUSTED", message: "Resource exhausted. Please try again later." },
    };
  }
  if (call.method === "predict") {
    const instances = call.body.instances as unknown[];
    return {
      json: {
        predictions: instances.map(() => ({
          embeddings: { values: EMBEDDING, statistics: { token_count: 2, truncated: false } },
        })),
        metadata: { billableCharacterCount: 10 },
      },
    };
  }
  if (call.method === "countTokens") {
    const contents = call.body.contents as unknown[];
    return { json: { totalTokens: 7 * contents.length, totalBillableCharacters: 20 } };
  }
  if (call.method === "embedContent") {
    return {
      json: { embedding: { values: EMBEDDING }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } },
    };
  }
  const contents = call.body.contents as { parts: Record<string, unknown>[] }[];
  const lastParts = contents.at(-1)!.parts;
  const answered = lastParts.some((p) => p.functionResponse !== undefined);
  const wantsTool = call.body.tools !== undefined && !answered;
  const parts = wantsTool
    ? [{ text: "Let me check." }, { functionCall: { name: "get_weather", args: { city: "Paris" } } }]
    : [{ text: answered ? "It is 18C in Paris." : "Paris is the capital of France." }];
  const meta = { modelVersion: VERSION, createTime: "2026-11-24T10:00:00.000000Z", responseId: "resp-1" };
  if (call.method === "streamGenerateContent") {
    const events: unknown[] = [
      {
        candidates: [{ content: { role: "model", parts: [{ text: "Thinking it over.", thought: true }] } }],
        ...meta,
      },
      ...parts.map((part) => ({ candidates: [{ content: { role: "model", parts: [part] } }], ...meta })),
      {
        candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP" }],
        usageMetadata: USAGE,
        ...meta,
      },
    ];
    return { events };
  }
  return {
    json: {
      candidates: [{ content: { role: "model", parts }, finishReason: "STOP", avgLogprobs: -0.2 }],
      usageMetadata: { ...USAGE, cachedContentTokenCount: 5 },
      ...meta,
    },
  };
}

const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

const observe = <T>(call: () => Promise<T>) => observeCalls(gateway, fake, call);

function usage(
  input: number,
  output: number,
  extra: { cached?: number; reasoning?: number; total?: number } = {},
) {
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: extra.total ?? input + output,
    cachedInputTokens: extra.cached ?? 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: extra.reasoning ?? 0,
  };
}

test("chat: generateContent on the policy's project and region with a fresh bearer token", async () => {
  const { result, calls, record } = await observe(() =>
    openai.chat.completions.create({
      model: "gemini",
      messages: [
        { role: "system", content: "Answer in one sentence." },
        { role: "user", content: "What is the capital of France?" },
      ],
      max_tokens: 100,
      temperature: 0,
    }),
  );
  assert.equal(result.choices[0]?.message.content, "Paris is the capital of France.");
  assert.equal(result.choices[0]?.finish_reason, "stop");
  assert.equal(result.model, VERSION);
  assert.deepEqual(result.usage, {
    prompt_tokens: 21,
    completion_tokens: 20,
    total_tokens: 41,
    prompt_tokens_details: { cached_tokens: 5 },
    completion_tokens_details: { reasoning_tokens: 12 },
  });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.request.url, `${PREFIX}/${FLASH}:generateContent`);
  assert.deepEqual(calls[0]?.body, {
    contents: [{ role: "user", parts: [{ text: "What is the capital of France?" }] }],
    systemInstruction: { parts: [{ text: "Answer in one sentence." }] },
    generationConfig: { temperature: 0, maxOutputTokens: 100 },
  });
  // The client's key never reaches Google; a token from the key file's token endpoint does.
  assert.equal(calls[0]?.request.headers.authorization, `Bearer ${token.issued.at(-1)?.value}`);
  assert.equal(record.status, 200);
  assert.equal(record.backend, "default/vertex");
  assert.equal(record.responseModel, VERSION);
  assert.deepEqual(record.usage, usage(21, 20, { cached: 5, reasoning: 12, total: 41 }));
});

test("chat with tools: a function call, then its result sent back by the call's id and answered", async () => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
  const first = await observe(() =>
    openai.chat.completions.create({ model: FLASH, messages, tools: [WEATHER_TOOL], tool_choice: "auto" }),
  );
  const message = first.result.choices[0]!.message;
  assert.equal(first.result.choices[0]?.finish_reason, "tool_calls");
  assert.equal(message.content, "Let me check.");
  const call = message.tool_calls?.[0];
  assert.ok(call && call.type === "function");
  assert.match(call.id, /^call_[0-9a-f]{32}$/);
  assert.equal(call.function.name, "get_weather");
  assert.deepEqual(JSON.parse(call.function.arguments), { city: "Paris" });
  assert.deepEqual(first.calls[0]?.body.tools, [
    {
      functionDeclarations: [
        {
          name: "get_weather",
          description: "Current weather in a city",
          parametersJsonSchema: WEATHER_TOOL.function.parameters,
        },
      ],
    },
  ]);
  assert.deepEqual(first.calls[0]?.body.toolConfig, { functionCallingConfig: { mode: "AUTO" } });

  messages.push(message, { role: "tool", tool_call_id: call.id, content: '{"temp_c":18}' });
  const second = await observe(() =>
    openai.chat.completions.create({ model: FLASH, messages, tools: [WEATHER_TOOL] }),
  );
  assert.equal(second.result.choices[0]?.message.content, "It is 18C in Paris.");
  assert.equal(second.result.choices[0]?.finish_reason, "stop");
  // The fake checked that the result answers the call by name; here is what it got.
  assert.deepEqual((second.calls[0]!.body.contents as unknown[]).slice(1), [
    {
      role: "model",
      parts: [{ text: "Let me check." }, { functionCall: { name: "get_weather", args: { city: "Paris" } } }],
    },
    {
      role: "user",
      parts: [{ functionResponse: { name: "get_weather", response: { output: '{"temp_c":18}' } } }],
    },
  ]);
});

test("chat stream with tools and include_usage: alt=sse, deltas re-assembled, tool_calls finish, usage chunk", async () => {
  const { result, calls, record } = await observe(async () => {
    const stream = await openai.chat.completions.create({
      model: FLASH,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  });
  assert.equal(calls[0]?.request.url, `${PREFIX}/${FLASH}:streamGenerateContent?alt=sse`);
  const deltas = result.flatMap((c) => c.choices.map((choice) => choice.delta));
  assert.equal(deltas.map((d) => d.content ?? "").join(""), "Let me check.");
  assert.equal(
    deltas.map((d) => (d as { reasoning_content?: string }).reasoning_content ?? "").join(""),
    "Thinking it over.",
  );
  const toolCalls = deltas.flatMap((d) => d.tool_calls ?? []);
  assert.equal(toolCalls.length, 1);
  assert.equal(toolCalls[0]?.function?.name, "get_weather");
  assert.deepEqual(JSON.parse(toolCalls[0]?.function?.arguments ?? ""), { city: "Paris" });
  assert.equal(result.flatMap((c) => c.choices).at(-1)?.finish_reason, "tool_calls");
  const last = result.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, {
    prompt_tokens: 21,
    completion_tokens: 20,
    total_tokens: 41,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 12 },
  });
  assert.ok(result.every((c) => c.model === VERSION && c.id === "resp-1"));
  assert.deepEqual(record.usage, usage(21, 20, { reasoning: 12, total: 41 }));
});

test("chat stream without include_usage: no usage chunk, usage still counted", async () => {
  const { result, record } = await observe(async () => {
    const stream = await openai.chat.completions.create({
      model: FLASH,
      messages: [{ role: "user", content: "Capital of France?" }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  });
  assert.equal(
    result.map((c) => c.choices[0]?.delta.content ?? "").join(""),
    "Paris is the capital of France.",
  );
  assert.ok(result.every((c) => !c.usage));
  assert.equal(result.at(-1)?.choices[0]?.finish_reason, "stop");
  assert.deepEqual(record.usage, usage(21, 20, { reasoning: 12, total: 41 }));
});

test("an upstream error arrives in the OpenAI envelope with Vertex's status as its type", async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: "gemini-busy", messages: [{ role: "user", content: "hi" }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError, String(err));
      assert.equal(err.status, 429);
      assert.equal((err.error as { type?: string }).type, "RESOURCE_EXHAUSTED");
      assert.match(err.message, /Resource exhausted/);
      return true;
    },
  );
});

test("/tokenize: vLLM's prompt shape goes to :countTokens (model overridden) and answers {count}", async () => {
  const { result, calls, record } = await observe(async () => {
    const response = await fetch(`${gateway.url}/tokenize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gemini", prompt: "How many tokens is this?" }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  });
  assert.deepEqual(result, { status: 200, body: { count: 7 } });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.method, "countTokens");
  assert.equal(calls[0]!.model, FLASH);
  assert.deepEqual(calls[0]!.body.contents, [
    { role: "user", parts: [{ text: "How many tokens is this?" }] },
  ]);
  assert.equal(record.operation, "tokenize");
  assert.equal(record.usage.inputTokens, 7);
});

test("embeddings: text-embedding models via :predict (batch), Gemini embedding models via :embedContent", async () => {
  const predicted = await observe(() =>
    openai.embeddings.create({ model: "text-embedding-005", input: ["one", "two"], dimensions: 4 }),
  );
  assert.deepEqual(
    predicted.result.data.map((d) => d.embedding),
    [EMBEDDING, EMBEDDING],
  );
  assert.deepEqual(predicted.result.usage, { prompt_tokens: 4, total_tokens: 4 });
  assert.equal(predicted.calls[0]?.request.url, `${PREFIX}/text-embedding-005:predict`);
  assert.deepEqual(predicted.calls[0]?.body, {
    instances: [{ content: "one" }, { content: "two" }],
    parameters: { outputDimensionality: 4 },
  });
  assert.deepEqual(predicted.record.usage, usage(4, 0));

  const embedded = await observe(() =>
    openai.embeddings.create({ model: "gemini-embedding-001", input: "hello", encoding_format: "float" }),
  );
  assert.deepEqual(embedded.result.data[0]?.embedding, EMBEDDING);
  assert.equal(embedded.calls[0]?.request.url, `${PREFIX}/gemini-embedding-001:embedContent`);
  assert.deepEqual(embedded.calls[0]?.body, { content: { parts: [{ text: "hello" }] } });
  assert.deepEqual(embedded.record.usage, usage(3, 0));
});

test("Anthropic Messages -> Gemini: a whole message", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages.create({
      model: FLASH,
      max_tokens: 64,
      system: "Be brief.",
      messages: [{ role: "user", content: "What is the capital of France?" }],
    }),
  );
  assert.equal(result.type, "message");
  assert.equal(result.model, VERSION);
  assert.deepEqual(result.content, [{ type: "text", text: "Paris is the capital of France." }]);
  assert.equal(result.stop_reason, "end_turn");
  assert.equal(result.usage.input_tokens, 16);
  assert.equal(result.usage.cache_read_input_tokens, 5);
  assert.equal(result.usage.output_tokens, 20);
  assert.equal(calls[0]?.request.url, `${PREFIX}/${FLASH}:generateContent`);
  assert.deepEqual(calls[0]?.body, {
    contents: [{ role: "user", parts: [{ text: "What is the capital of France?" }] }],
    systemInstruction: { parts: [{ text: "Be brief." }] },
    generationConfig: { maxOutputTokens: 64 },
  });
  assert.deepEqual(record.usage, usage(21, 20, { cached: 5, reasoning: 12, total: 41 }));
});

test("Anthropic Messages -> Gemini: a stream with thinking, text and a tool call", async () => {
  const { result, calls, record } = await observe(async () => {
    const stream = anthropic.messages.stream({
      model: FLASH,
      max_tokens: 64,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [
        { name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } },
      ],
    });
    return stream.finalMessage();
  });
  assert.equal(calls[0]?.request.url, `${PREFIX}/${FLASH}:streamGenerateContent?alt=sse`);
  assert.deepEqual(
    result.content.map((b) => b.type),
    ["thinking", "text", "tool_use"],
  );
  const toolUse = result.content[2];
  assert.ok(toolUse?.type === "tool_use");
  assert.equal(toolUse.name, "get_weather");
  assert.deepEqual(toolUse.input, { city: "Paris" });
  assert.equal(result.stop_reason, "tool_use");
  assert.equal(result.usage.output_tokens, 20);
  assert.deepEqual(record.usage, usage(21, 20, { reasoning: 12, total: 41 }));
});
