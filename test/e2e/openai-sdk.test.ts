import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import { expectedUsage } from "../support/expected-usage.js";
import {
  FAKE_ANSWER,
  FAKE_CHAT_USAGE,
  FAKE_COMPLETION_TEXT,
  FAKE_COMPLETION_USAGE,
  FAKE_EMBEDDING,
  FAKE_EMBEDDING_USAGE,
  FAKE_TOOL_ARGUMENTS,
  FAKE_TOOL_CALL_ID,
  startFakeOpenAI,
} from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelIs,
  modelMatches,
  openAIBackendDocs,
  routeDoc,
} from "../support/gateway-yaml.js";
import { type RecordingUpstream, sentJson } from "../support/recording-upstream.js";
import { observeOneRequest, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { openAIWeatherTool } from "../support/weather-tool.js";

/**
 * The official OpenAI SDK pointed at the gateway, which forwards to an OpenAI-schema backend (a fake
 * OpenAI that records what it receives). Everything a typical client does must work unchanged, the
 * upstream must see the configured key and never the client's, and the records must count the usage.
 */

const UPSTREAM_KEY = "sk-upstream-secret";
const CLIENT_KEY = "sk-client-key-must-not-leak";
const TENANT_HOST = "tenant.example.com";
const OWNED_CREATED_AT = "2024-05-21T10:00:00Z";

let upstream: RecordingUpstream;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI();
  const config = configYaml(
    gatewayDocs(),
    openAIBackendDocs("fake", upstream.url, { apiKey: UPSTREAM_KEY }),
    routeDoc("main", {
      rules: [
        { matches: [modelIs("gpt-test")], backendRefs: [{ name: "fake" }] },
        { matches: [modelIs("text-test"), modelIs("embed-test")], backendRefs: [{ name: "fake" }] },
        {
          matches: [modelIs("owned-model")],
          backendRefs: [{ name: "fake" }],
          modelsOwnedBy: "Acme Labs",
          modelsCreatedAt: OWNED_CREATED_AT,
        },
        // Not an Exact model match: serves requests but is no model to list.
        {
          matches: [modelMatches("regex-.*")],
          backendRefs: [{ name: "fake" }],
        },
      ],
    }),
    routeDoc("tenant", {
      hostnames: [TENANT_HOST],
      rules: [{ matches: [modelIs("tenant-model")], backendRefs: [{ name: "fake" }] }],
    }),
  );
  gateway = await startTestGateway(config);
  client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** Runs `call` and returns the one upstream request and the one record it caused. */
const observe = (call: () => Promise<void>) => observeOneRequest(gateway, upstream, call);

test("chat completion", async () => {
  let completion: OpenAI.Chat.Completions.ChatCompletion | undefined;
  const { sent, record } = await observe(async () => {
    completion = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "Hi!" }],
    });
  });
  assert.equal(completion?.choices[0]?.message.content, FAKE_ANSWER);
  assert.equal(completion?.choices[0]?.finish_reason, "stop");
  assert.deepEqual(completion?.usage, FAKE_CHAT_USAGE);

  assert.equal(sent.method, "POST");
  assert.equal(sent.url, "/v1/chat/completions");
  assert.equal(sent.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  assert.deepEqual(sentJson(sent), { model: "gpt-test", messages: [{ role: "user", content: "Hi!" }] });

  assert.equal(record.api, "openai-chat");
  assert.equal(record.path, "/v1/chat/completions");
  assert.equal(record.status, 200);
  assert.equal(record.stream, false);
  assert.equal(record.route, "default/main");
  assert.equal(record.backend, "default/fake");
  assert.equal(record.originalModel, "gpt-test");
  assert.equal(record.requestModel, "gpt-test");
  assert.equal(record.responseModel, "gpt-test");
  assert.deepEqual(record.usage, expectedUsage(FAKE_CHAT_USAGE));
  assert.equal(record.error, undefined);
});

test("chat completion stream: content reassembled, usage chunk last", async () => {
  let content = "";
  let finishReason: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  let chunksAfterUsage = 0;
  const { sent, record } = await observe(async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "Hi!" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (usage) chunksAfterUsage++;
      content += chunk.choices[0]?.delta.content ?? "";
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
  });
  assert.equal(content, FAKE_ANSWER);
  assert.equal(finishReason, "stop");
  assert.deepEqual(usage, FAKE_CHAT_USAGE);
  assert.equal(chunksAfterUsage, 0, "the usage chunk is the last one");
  assert.deepEqual(sentJson(sent)["stream_options"], { include_usage: true });

  assert.equal(record.stream, true);
  assert.equal(record.status, 200);
  assert.deepEqual(record.usage, expectedUsage(FAKE_CHAT_USAGE));
  assert.equal(typeof record.timeToFirstByteMs, "number", "streams report the time to first byte");
});

test("chat completion with tools: the tool call comes back", async () => {
  let completion: OpenAI.Chat.Completions.ChatCompletion | undefined;
  const { sent } = await observe(async () => {
    completion = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [openAIWeatherTool],
      tool_choice: "auto",
    });
  });
  const choice = completion?.choices[0];
  assert.equal(choice?.finish_reason, "tool_calls");
  assert.deepEqual(choice?.message.tool_calls, [
    {
      id: FAKE_TOOL_CALL_ID,
      type: "function",
      function: { name: "get_weather", arguments: FAKE_TOOL_ARGUMENTS },
    },
  ]);
  assert.deepEqual(sentJson(sent)["tools"], [openAIWeatherTool], "tools reach the upstream unchanged");
  assert.equal(sentJson(sent)["tool_choice"], "auto");
});

test("chat completion stream with tools: tool-call deltas reassemble", async () => {
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  let finishReason: string | null | undefined;
  await observe(async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [openAIWeatherTool],
      stream: true,
    });
    for await (const chunk of stream) {
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const call = calls.get(delta.index) ?? { id: "", name: "", arguments: "" };
        call.id += delta.id ?? "";
        call.name += delta.function?.name ?? "";
        call.arguments += delta.function?.arguments ?? "";
        calls.set(delta.index, call);
      }
    }
  });
  assert.equal(finishReason, "tool_calls");
  assert.deepEqual(
    [...calls.entries()],
    [[0, { id: FAKE_TOOL_CALL_ID, name: "get_weather", arguments: FAKE_TOOL_ARGUMENTS }]],
  );
  assert.deepEqual(JSON.parse(calls.get(0)!.arguments), { location: "Paris" });
});

test("completions, plain and streamed", async () => {
  let text: string | undefined;
  const plain = await observe(async () => {
    const completion = await client.completions.create({ model: "text-test", prompt: "Tell me a story" });
    text = completion.choices[0]?.text;
  });
  assert.equal(text, FAKE_COMPLETION_TEXT);
  assert.equal(plain.sent.url, "/v1/completions");
  assert.equal(plain.record.api, "openai-completions");
  assert.deepEqual(plain.record.usage, expectedUsage(FAKE_COMPLETION_USAGE));

  let streamed = "";
  let usage: OpenAI.CompletionUsage | undefined;
  const stream = await observe(async () => {
    const events = await client.completions.create({
      model: "text-test",
      prompt: "Tell me a story",
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of events) {
      streamed += chunk.choices[0]?.text ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
  });
  assert.equal(streamed, FAKE_COMPLETION_TEXT);
  assert.deepEqual(usage, FAKE_COMPLETION_USAGE);
  assert.equal(stream.record.stream, true);
  assert.deepEqual(stream.record.usage, expectedUsage(FAKE_COMPLETION_USAGE));
});

test("embeddings: SDK default (base64 on the wire, decoded by the SDK)", async () => {
  let embeddings: OpenAI.Embeddings.CreateEmbeddingResponse | undefined;
  const { sent, record } = await observe(async () => {
    embeddings = await client.embeddings.create({ model: "embed-test", input: ["first", "second"] });
  });
  assert.equal(sentJson(sent)["encoding_format"], "base64", "the SDK asks for base64 by default");
  assert.equal(sent.url, "/v1/embeddings");
  assert.equal(embeddings?.data.length, 2);
  for (const item of embeddings?.data ?? []) assert.deepEqual(Array.from(item.embedding), FAKE_EMBEDDING);
  assert.equal(record.api, "openai-embeddings");
  assert.deepEqual(record.usage, expectedUsage(FAKE_EMBEDDING_USAGE));
});

test("embeddings: explicit float", async () => {
  let embeddings: OpenAI.Embeddings.CreateEmbeddingResponse | undefined;
  const { sent } = await observe(async () => {
    embeddings = await client.embeddings.create({
      model: "embed-test",
      input: "one",
      encoding_format: "float",
    });
  });
  assert.equal(sentJson(sent)["encoding_format"], "float");
  assert.deepEqual(embeddings?.data[0]?.embedding, FAKE_EMBEDDING);
});

test("models.list(): exactly the Exact-matched models of unscoped routes, answered by the gateway", async () => {
  const upstreamBefore = upstream.requests.length;
  const models = [];
  for await (const model of client.models.list()) models.push(model);
  assert.equal(upstream.requests.length, upstreamBefore, "/v1/models is answered locally");
  assert.deepEqual(models.map((m) => m.id).sort(), ["embed-test", "gpt-test", "owned-model", "text-test"]);
  for (const model of models) {
    assert.equal(model.object, "model");
    assert.ok(Number.isInteger(model.created) && model.created >= 0, `${model.id} created ${model.created}`);
    if (model.id === "owned-model") {
      assert.equal(model.owned_by, "Acme Labs");
      assert.equal(model.created, Date.parse(OWNED_CREATED_AT) / 1000);
    } else {
      assert.equal(model.owned_by, "Envoy AI Gateway");
    }
  }
});

test("models.list() under a route's hostname adds that route's models", async () => {
  // The client really calls tenant.example.com (resolved to the gateway), so Host carries that name and a port.
  const port = new URL(gateway.url).port;
  const agent = new Agent({
    connect: {
      lookup: (_hostname, options, callback) =>
        options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4),
    },
  });
  try {
    const tenantClient = new OpenAI({
      apiKey: CLIENT_KEY,
      baseURL: `http://${TENANT_HOST}:${port}/v1`,
      maxRetries: 0,
      fetch: undiciFetch as unknown as typeof fetch,
      fetchOptions: { dispatcher: agent } as Record<string, unknown>,
    });
    const ids = [];
    for await (const model of tenantClient.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ["embed-test", "gpt-test", "owned-model", "tenant-model", "text-test"]);
  } finally {
    await agent.close();
  }
});

test("the upstream only ever saw the configured key, never the client's", () => {
  assert.ok(upstream.requests.length > 0);
  for (const sent of upstream.requests) {
    assert.equal(sent.headers.authorization, `Bearer ${UPSTREAM_KEY}`, `${sent.method} ${sent.url}`);
    assert.ok(
      !JSON.stringify(sent.headers).includes(CLIENT_KEY),
      `client key leaked in ${JSON.stringify(sent.headers)}`,
    );
  }
});
