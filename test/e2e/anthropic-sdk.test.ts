import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import {
  anthropicBackendDocs,
  FAKE_CLAUDE_ANSWER,
  FAKE_CLAUDE_RECORDED_USAGE,
  FAKE_CLAUDE_TOOL_INPUT,
  FAKE_CLAUDE_TOOL_PREAMBLE,
  FAKE_CLAUDE_USAGE,
  type FakeAnthropic,
  fakeCountTokens,
  startFakeAnthropic,
} from "../support/fake-anthropic.js";
import { configYaml, gatewayDocs, modelIs, modelMatches, routeDoc } from "../support/gateway-yaml.js";
import { sentJson } from "../support/recording-upstream.js";
import { observeOneRequest, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { anthropicWeatherTool } from "../support/weather-tool.js";

/**
 * The official Anthropic SDK (1.x: Bearer auth, anthropic-version 2026-10-21) pointed at the gateway,
 * which passes Messages through to an Anthropic-schema backend (a strict fake Anthropic API). The
 * upstream must see the configured x-api-key and never the client's key, get the client's bytes and
 * version, and the records must count usage exactly as Anthropic reported it.
 */

const UPSTREAM_KEY = "sk-ant-upstream-secret";
const CLIENT_KEY = "sk-ant-client-key-must-not-leak";
const MODEL = "claude-sonnet-4-5";

let upstream: FakeAnthropic;
let gateway: TestGateway;
let client: Anthropic;

before(async () => {
  upstream = await startFakeAnthropic({
    apiKey: UPSTREAM_KEY,
    answer: ({ body }) => {
      if (body.model === "claude-overloaded")
        return { status: 529, errorType: "overloaded_error", message: "Overloaded" };
      if (body.model === "claude-html")
        return { status: 502, contentType: "text/html", raw: "<html>Bad Gateway</html>" };
      if (body.model === "claude-stream-error") {
        return { streamError: { type: "overloaded_error", message: "Overloaded mid-stream" } };
      }
      return { default: true };
    },
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      anthropicBackendDocs("claude", upstream.url, { apiKey: UPSTREAM_KEY }),
      routeDoc("main", {
        rules: [
          {
            matches: [modelIs("claude-latest")],
            backendRefs: [{ name: "claude", modelNameOverride: "claude-sonnet-4-5-20250929" }],
          },
          { matches: [modelMatches("claude-.*")], backendRefs: [{ name: "claude" }] },
        ],
      }),
    ),
  );
  client = new Anthropic({ apiKey: CLIENT_KEY, baseURL: gateway.url, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** Runs `call`; returns the one upstream request and the one record it caused. */
const observe = (call: () => Promise<void>) => observeOneRequest(gateway, upstream, call);

test("message at /v1/messages: the configured key goes upstream, the client's never does", async () => {
  let message: Anthropic.Message | undefined;
  const { sent, record } = await observe(async () => {
    message = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      system: "Be brief.",
      messages: [{ role: "user", content: "Hello, Claude" }],
    });
  });
  assert.deepEqual(message?.content, [{ type: "text", text: FAKE_CLAUDE_ANSWER, citations: null }]);
  assert.equal(message?.stop_reason, "end_turn");
  assert.equal(message?.usage.input_tokens, FAKE_CLAUDE_USAGE.input_tokens);
  assert.equal(message?.usage.cache_read_input_tokens, FAKE_CLAUDE_USAGE.cache_read_input_tokens);

  assert.equal(sent.url, "/v1/messages");
  assert.equal(sent.headers["x-api-key"], UPSTREAM_KEY);
  assert.equal(sent.headers.authorization, undefined, "the client's Bearer key stays at the gateway");
  assert.ok(!JSON.stringify(sent.headers).includes(CLIENT_KEY));
  assert.equal(sent.headers["anthropic-version"], "2026-10-21", "the SDK's API version is forwarded");
  assert.deepEqual(sentJson(sent), {
    model: MODEL,
    max_tokens: 256,
    system: "Be brief.",
    messages: [{ role: "user", content: "Hello, Claude" }],
  });

  assert.equal(record.api, "anthropic-messages");
  assert.equal(record.path, "/v1/messages");
  assert.equal(record.status, 200);
  assert.equal(record.stream, false);
  assert.equal(record.backend, "default/claude");
  assert.equal(record.responseModel, MODEL);
  assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
});

test("stream at /anthropic/v1/messages: the SDK assembles the message; usage from message_start + last message_delta", async () => {
  const prefixed = new Anthropic({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
  let final: Anthropic.Message | undefined;
  let text = "";
  const { sent, record } = await observe(async () => {
    const stream = prefixed.messages.stream({
      model: MODEL,
      max_tokens: 256,
      messages: [{ role: "user", content: "Hello" }],
    });
    stream.on("text", (delta) => {
      text += delta;
    });
    final = await stream.finalMessage();
  });
  assert.equal(text, FAKE_CLAUDE_ANSWER);
  assert.equal(final?.stop_reason, "end_turn");
  assert.equal(final?.usage.output_tokens, FAKE_CLAUDE_USAGE.output_tokens);
  assert.equal(final?.usage.input_tokens, FAKE_CLAUDE_USAGE.input_tokens);
  assert.equal(sent.url, "/v1/messages");
  assert.equal(sentJson(sent).stream, true);

  assert.equal(record.path, "/anthropic/v1/messages");
  assert.equal(record.stream, true);
  assert.equal(record.status, 200);
  assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
  assert.equal(record.responseModel, MODEL);
});

test("tools: tool_use comes back, plain and streamed, and the tool result round-trips", async () => {
  const question: Anthropic.MessageParam = { role: "user", content: "Weather in Paris?" };
  let message: Anthropic.Message | undefined;
  await observe(async () => {
    message = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      messages: [question],
      tools: [anthropicWeatherTool],
    });
  });
  assert.equal(message?.stop_reason, "tool_use");
  const toolUse = message?.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
  assert.deepEqual(toolUse?.input, FAKE_CLAUDE_TOOL_INPUT);
  assert.equal(toolUse?.name, "get_weather");

  let streamed: Anthropic.Message | undefined;
  await observe(async () => {
    streamed = await client.messages
      .stream({ model: MODEL, max_tokens: 256, messages: [question], tools: [anthropicWeatherTool] })
      .finalMessage();
  });
  assert.deepEqual(
    streamed?.content.map((b) =>
      b.type === "tool_use" ? { name: b.name, input: b.input } : b.type === "text" ? b.text : b.type,
    ),
    [FAKE_CLAUDE_TOOL_PREAMBLE, { name: "get_weather", input: FAKE_CLAUDE_TOOL_INPUT }],
  );

  let answer: Anthropic.Message | undefined;
  const { sent } = await observe(async () => {
    answer = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [anthropicWeatherTool],
      messages: [
        question,
        { role: "assistant", content: message!.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse!.id, content: "18C, sunny" }] },
      ],
    });
  });
  assert.equal(answer?.stop_reason, "end_turn");
  assert.equal((sentJson(sent).messages as unknown[]).length, 3);
});

test("count_tokens at /v1/messages/count_tokens passes through and counts input usage", async () => {
  const params = {
    model: MODEL,
    messages: [{ role: "user" as const, content: "How many tokens is this?" }],
    tools: [anthropicWeatherTool],
  };
  let counted: Anthropic.MessageTokensCount | undefined;
  const { sent, record } = await observe(async () => {
    counted = await client.messages.countTokens(params);
  });
  assert.equal(sent.url, "/v1/messages/count_tokens");
  assert.equal(sent.headers["x-api-key"], UPSTREAM_KEY);
  const expected = fakeCountTokens(sentJson(sent));
  assert.equal(counted?.input_tokens, expected);
  assert.equal(record.api, "anthropic-count-tokens");
  assert.equal(record.status, 200);
  assert.equal(record.usage.inputTokens, expected);
});

test("modelNameOverride rewrites only the model sent upstream", async () => {
  const { sent, record } = await observe(async () => {
    await client.messages.create({
      model: "claude-latest",
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
    });
  });
  assert.equal(sentJson(sent).model, "claude-sonnet-4-5-20250929");
  assert.equal(record.originalModel, "claude-latest");
  assert.equal(record.requestModel, "claude-sonnet-4-5-20250929");
  assert.equal(record.responseModel, "claude-sonnet-4-5-20250929");
});

test("errors reach the SDK in Anthropic's envelope", async () => {
  const overloaded = await client.messages
    .create({ model: "claude-overloaded", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(overloaded instanceof Anthropic.APIError);
  assert.equal(overloaded.status, 529);
  assert.deepEqual((overloaded.error as { error: unknown }).error, {
    type: "overloaded_error",
    message: "Overloaded",
  });

  const html = await client.messages
    .create({ model: "claude-html", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(html instanceof Anthropic.APIError);
  assert.equal(html.status, 502);
  assert.deepEqual((html.error as { error: unknown }).error, {
    type: "api_error",
    message: "<html>Bad Gateway</html>",
  });

  // The SDK's API version has no temperature; the gateway forwards the body as sent and the API says no.
  const extra = await client.messages
    .create({
      model: MODEL,
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
      temperature: 0.5,
    } as never)
    .catch((err: unknown) => err);
  assert.ok(extra instanceof Anthropic.BadRequestError);
  assert.deepEqual((extra.error as { error: unknown }).error, {
    type: "invalid_request_error",
    message: "temperature: Extra inputs are not permitted",
  });

  const streamFailure = await client.messages
    .stream({ model: "claude-stream-error", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .finalMessage()
    .catch((err: unknown) => err);
  assert.ok(streamFailure instanceof Anthropic.APIError);
  assert.match(String((streamFailure as Error).message), /Overloaded mid-stream/);
});
