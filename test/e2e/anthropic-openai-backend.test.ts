import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { expectedUsage } from "../support/expected-usage.js";
import {
  FAKE_ANSWER,
  FAKE_CHAT_USAGE,
  FAKE_TOOL_ARGUMENTS,
  FAKE_TOOL_CALL_ID,
  fakeOpenAIHandler,
  startFakeOpenAI,
} from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, sentJson } from "../support/recording-upstream.js";
import { observeOneRequest, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { anthropicWeatherTool } from "../support/weather-tool.js";

/**
 * The official Anthropic SDK pointed at the gateway, whose route sends the model to an OpenAI-schema
 * backend: Messages go out as chat completions and come back as Messages (streams as Messages events,
 * which the SDK only sees when each has its `event:` line). Usage must survive the round trip exactly.
 */

const UPSTREAM_KEY = "sk-openai-upstream";
const CLIENT_KEY = "sk-ant-client-must-not-leak";
const MODEL = "gpt-test";

/** FAKE_CHAT_USAGE the Anthropic way: the cached part moves out of input_tokens. */
const ANTHROPIC_USAGE = {
  input_tokens: FAKE_CHAT_USAGE.prompt_tokens - FAKE_CHAT_USAGE.prompt_tokens_details.cached_tokens,
  cache_read_input_tokens: FAKE_CHAT_USAGE.prompt_tokens_details.cached_tokens,
  output_tokens: FAKE_CHAT_USAGE.completion_tokens,
};

let upstream: RecordingUpstream;
let gateway: TestGateway;
let client: Anthropic;

before(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("openai", upstream.url, { apiKey: UPSTREAM_KEY }),
      routeDoc("main", { rules: [{ matches: [modelIs(MODEL)], backendRefs: [{ name: "openai" }] }] }),
    ),
  );
  client = new Anthropic({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

const observe = (call: () => Promise<void>) => observeOneRequest(gateway, upstream, call);

test("a Message from a chat completion, with the backend's key and usage intact", async () => {
  let message: Anthropic.Message | undefined;
  const { sent, record } = await observe(async () => {
    message = await client.messages.create({
      model: MODEL,
      max_tokens: 128,
      system: "Be brief.",
      messages: [{ role: "user", content: "Hi!" }],
    });
  });
  assert.equal(message?.type, "message");
  assert.deepEqual(message?.content, [{ type: "text", text: FAKE_ANSWER }]);
  assert.equal(message?.stop_reason, "end_turn");
  assert.deepEqual(message?.usage, ANTHROPIC_USAGE);

  assert.equal(sent.url, "/v1/chat/completions");
  assert.equal(sent.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  assert.equal(sent.headers["x-api-key"], undefined);
  assert.deepEqual(sentJson(sent), {
    model: MODEL,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi!" },
    ],
    max_completion_tokens: 128,
  });
  assert.equal(record.api, "anthropic-messages");
  assert.equal(record.status, 200);
  assert.equal(record.responseModel, MODEL);
  assert.deepEqual(record.usage, expectedUsage(FAKE_CHAT_USAGE));
});

test("stream: the SDK assembles the translated Messages events", async () => {
  let text = "";
  let final: Anthropic.Message | undefined;
  const { sent, record } = await observe(async () => {
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 128,
      messages: [{ role: "user", content: "Hi!" }],
    });
    stream.on("text", (delta) => {
      text += delta;
    });
    final = await stream.finalMessage();
  });
  assert.equal(text, FAKE_ANSWER);
  assert.equal(final?.stop_reason, "end_turn");
  assert.deepEqual(final?.usage, ANTHROPIC_USAGE);
  assert.deepEqual(sentJson(sent).stream_options, { include_usage: true });
  assert.equal(record.stream, true);
  assert.deepEqual(record.usage, expectedUsage(FAKE_CHAT_USAGE));
});

test("tools: the chat tool call comes back as tool_use, plain and streamed", async () => {
  const params = {
    model: MODEL,
    max_tokens: 128,
    messages: [{ role: "user" as const, content: "Weather in Paris?" }],
    tools: [anthropicWeatherTool],
    tool_choice: { type: "any" as const },
  };
  let message: Anthropic.Message | undefined;
  const { sent } = await observe(async () => {
    message = await client.messages.create(params);
  });
  assert.equal(message?.stop_reason, "tool_use");
  assert.deepEqual(message?.content, [
    { type: "tool_use", id: FAKE_TOOL_CALL_ID, name: "get_weather", input: JSON.parse(FAKE_TOOL_ARGUMENTS) },
  ]);
  assert.equal(sentJson(sent).tool_choice, "required");

  let streamed: Anthropic.Message | undefined;
  await observe(async () => {
    streamed = await client.messages.stream(params).finalMessage();
  });
  assert.equal(streamed?.stop_reason, "tool_use");
  assert.deepEqual(
    streamed?.content.map((b) =>
      b.type === "tool_use" ? { id: b.id, name: b.name, input: b.input } : b.type,
    ),
    [{ id: FAKE_TOOL_CALL_ID, name: "get_weather", input: JSON.parse(FAKE_TOOL_ARGUMENTS) }],
  );
});

test("an OpenAI error reaches the SDK in Anthropic's envelope", async () => {
  upstream.setHandler((_req, res) => {
    res.writeHead(429, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          message: "Rate limit reached for gpt-test",
          type: "requests",
          param: null,
          code: "rate_limit_exceeded",
        },
      }),
    );
  });
  try {
    const err = await client.messages
      .create({ model: MODEL, max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.RateLimitError);
    assert.deepEqual((err.error as { error: unknown }).error, {
      type: "rate_limit_error",
      message: "Rate limit reached for gpt-test",
    });
  } finally {
    upstream.setHandler(fakeOpenAIHandler);
  }
});
