import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  FAKE_CLAUDE_ANSWER,
  FAKE_CLAUDE_RECORDED_USAGE,
  FAKE_CLAUDE_USAGE,
  fakeCountTokens,
} from "../support/fake-anthropic.js";
import { type FakeGcpToken, gcpPolicyDocs, startFakeGcpToken } from "../support/fake-gcp-token.js";
import {
  type FakeVertexAnswer,
  type FakeVertexAnthropic,
  type FakeVertexCall,
  startFakeVertexAnthropic,
  vertexAnthropicBackendDocs,
} from "../support/fake-vertex-anthropic.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Claude on Vertex AI (AIServiceBackend schema GCPAnthropic, BackendSecurityPolicy GCPCredentials)
 * behind the gateway, called with the official Anthropic SDK (Messages with anthropic_version in the
 * body and the model in the path; count_tokens) and the official OpenAI SDK (chat translated to
 * Messages). The gateway signs a JWT with the service account's key, exchanges it at the key file's
 * token_uri (a fake that verifies the signature and claims) and sends the token as a bearer token;
 * the fake Vertex accepts only tokens that endpoint issued and that have not expired, at the policy's
 * project and region.
 */

const LOCATION = { projectName: "aigw-vertex-test", region: "us-east5" };
const CLAUDE = "claude-sonnet-4-5@20250929";

let tokens: FakeGcpToken;
let brokenTokens: FakeGcpToken;
let vertex: FakeVertexAnthropic;
let gateway: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;

function answer(call: FakeVertexCall): FakeVertexAnswer {
  if (call.model === "overloaded")
    return { status: 529, errorType: "overloaded_error", message: "Overloaded" };
  if (call.model === "no-quota")
    return {
      status: 429,
      googleStatus: "RESOURCE_EXHAUSTED",
      message: "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.",
    };
  if (call.model === "overloaded-mid-stream")
    return { streamError: { type: "overloaded_error", message: "Overloaded" } };
  if (call.model === "proxy-error")
    return {
      status: 503,
      contentType: "text/plain",
      raw: "upstream connect error or disconnect/reset before headers",
    };
  return undefined;
}

before(async () => {
  tokens = await startFakeGcpToken({ expiresIn: 3600 });
  brokenTokens = await startFakeGcpToken();
  vertex = await startFakeVertexAnthropic({
    ...LOCATION,
    isValidToken: (token) => tokens.isValid(token) || brokenTokens.isValid(token),
    answer,
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      vertexAnthropicBackendDocs("claude-vertex", vertex.url),
      gcpPolicyDocs("claude-vertex", tokens.account, LOCATION),
      vertexAnthropicBackendDocs("claude-vertex-broken", vertex.url),
      gcpPolicyDocs("claude-vertex-broken", brokenTokens.account, LOCATION),
      routeDoc("vertex", {
        rules: [
          {
            matches: [modelIs("claude-sonnet")],
            backendRefs: [{ name: "claude-vertex", modelNameOverride: CLAUDE }],
          },
          {
            matches: [
              modelIs("overloaded"),
              modelIs("no-quota"),
              modelIs("proxy-error"),
              modelIs("overloaded-mid-stream"),
            ],
            backendRefs: [{ name: "claude-vertex" }],
          },
          { matches: [modelIs("broken-credentials")], backendRefs: [{ name: "claude-vertex-broken" }] },
        ],
      }),
    ),
  );
  anthropic = new Anthropic({ apiKey: "sk-ant-client", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
  openai = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await vertex?.close();
  await tokens?.close();
  await brokenTokens?.close();
});

const observe = <T>(call: () => Promise<T>) => observeCalls(gateway, vertex, call);

test("Anthropic SDK: rawPredict at the policy's project and region, model in the path, anthropic_version in the body", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages.create(
      { model: "claude-sonnet", max_tokens: 200, messages: [{ role: "user", content: "Hello world!" }] },
      { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14,prompt-caching-scope-2026-01-05" } },
    ),
  );
  assert.deepEqual(result.content, [{ type: "text", text: FAKE_CLAUDE_ANSWER, citations: null }]);
  assert.equal(result.usage.cache_read_input_tokens, FAKE_CLAUDE_USAGE.cache_read_input_tokens);
  assert.equal(calls.length, 1);
  const call = calls[0] as FakeVertexCall;
  assert.equal(
    call.request.url,
    `/v1/projects/aigw-vertex-test/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`,
  );
  assert.ok(tokens.isValid(call.token), "a token the key file's token_uri issued");
  assert.equal(call.request.headers.authorization, `Bearer ${call.token}`);
  assert.notEqual(call.token, "sk-ant-client");
  assert.equal(call.request.headers["x-api-key"], undefined, "the client's key does not go to Google");
  assert.deepEqual(call.betas, ["interleaved-thinking-2025-05-14"]);
  assert.equal(call.request.headers["anthropic-version"], undefined, "the version is in the body");
  assert.deepEqual(call.body, {
    anthropic_version: "vertex-2023-10-16",
    max_tokens: 200,
    messages: [{ role: "user", content: "Hello world!" }],
  });
  assert.equal(record.status, 200);
  assert.equal(record.responseModel, CLAUDE);
  assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
});

test("a client's beta flags that Vertex does not know are removed, not forwarded (Vertex would refuse the request)", async () => {
  const { result, calls } = await observe(() =>
    anthropic.messages.create(
      { model: "claude-sonnet", max_tokens: 200, messages: [{ role: "user", content: "Hello world!" }] },
      {
        headers: {
          "anthropic-beta": "prompt-caching-scope-2026-01-05,effort-2025-11-24,web-search-2025-03-05",
        },
      },
    ),
  );
  assert.equal(result.type, "message");
  assert.equal(calls[0]?.request.headers["anthropic-beta"], undefined);
});

test("Anthropic SDK stream: streamRawPredict with stream in the body; the SSE reaches the SDK and usage is counted", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages
      .stream({
        model: "claude-sonnet",
        max_tokens: 200,
        messages: [{ role: "user", content: "Hello world!" }],
      })
      .finalMessage(),
  );
  assert.deepEqual(result.content, [{ type: "text", text: FAKE_CLAUDE_ANSWER }]);
  assert.equal(result.stop_reason, "end_turn");
  assert.equal(result.usage.output_tokens, FAKE_CLAUDE_USAGE.output_tokens);
  assert.equal(calls[0]?.method, "streamRawPredict");
  assert.equal(calls[0]?.body.stream, true);
  assert.equal(record.stream, true);
  assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
});

test("Anthropic SDK count_tokens: count-tokens:rawPredict with the model in the body; the count is input usage", async () => {
  const request = {
    model: "claude-sonnet",
    system: "Be brief.",
    messages: [{ role: "user" as const, content: "How many tokens is this?" }],
  };
  const { result, calls, record } = await observe(() => anthropic.messages.countTokens(request));
  const expected = fakeCountTokens({ system: request.system, messages: request.messages });
  assert.equal(result.input_tokens, expected);
  assert.equal(
    calls[0]?.request.url,
    "/v1/projects/aigw-vertex-test/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict",
  );
  assert.deepEqual(calls[0]?.body, {
    anthropic_version: "vertex-2023-10-16",
    model: CLAUDE,
    system: "Be brief.",
    messages: request.messages,
  });
  assert.equal(record.usage?.inputTokens, expected);
});

test("/tokenize: vLLM's prompt shape goes to count-tokens:rawPredict and answers {count}", async () => {
  const { result, calls, record } = await observe(async () => {
    const response = await fetch(`${gateway.url}/tokenize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet", prompt: "How many tokens is this?" }),
    });
    return { status: response.status, body: (await response.json()) as { count?: number } };
  });
  const expected = fakeCountTokens({ messages: [{ role: "user", content: "How many tokens is this?" }] });
  assert.deepEqual(result, { status: 200, body: { count: expected } });
  assert.equal(
    calls[0]?.request.url,
    "/v1/projects/aigw-vertex-test/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict",
  );
  assert.equal(calls[0]?.body.model, CLAUDE);
  assert.equal(record.operation, "tokenize");
  assert.equal(record.usage?.inputTokens, expected);
});

test("OpenAI SDK: chat completions, plain and streamed, from Claude on Vertex", async () => {
  const plain = await observe(() =>
    openai.chat.completions.create({
      model: "claude-sonnet",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello world!" },
      ],
      max_tokens: 100,
    }),
  );
  assert.equal(plain.result.choices[0]?.message.content, FAKE_CLAUDE_ANSWER);
  assert.equal(plain.result.choices[0]?.finish_reason, "stop");
  assert.equal(plain.result.usage?.prompt_tokens, FAKE_CLAUDE_RECORDED_USAGE.inputTokens);
  assert.equal(plain.calls[0]?.method, "rawPredict");
  assert.deepEqual(plain.calls[0]?.body, {
    anthropic_version: "vertex-2023-10-16",
    max_tokens: 100,
    messages: [{ role: "user", content: "Hello world!" }],
    system: [{ type: "text", text: "Be brief." }],
  });
  assert.deepEqual(plain.record.usage, FAKE_CLAUDE_RECORDED_USAGE);

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
  assert.equal(text, FAKE_CLAUDE_ANSWER);
  assert.equal(streamed.calls[0]?.method, "streamRawPredict");
  assert.equal(streamed.calls[0]?.body.stream, true);
  assert.equal(usages.length, 1);
  assert.equal((usages[0] as { total_tokens: number }).total_tokens, FAKE_CLAUDE_RECORDED_USAGE.totalTokens);
  assert.deepEqual(streamed.record.usage, FAKE_CLAUDE_RECORDED_USAGE);
});

test("the requests so far shared one token: it is cached", () => {
  assert.equal(tokens.issued.length, 1);
  assert.equal(new Set(vertex.calls.filter((c) => tokens.isValid(c.token)).map((c) => c.token)).size, 1);
});

test("Vertex errors reach each SDK in its own envelope", async () => {
  const overloaded = await anthropic.messages
    .create({ model: "overloaded", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(overloaded instanceof Anthropic.APIError);
  assert.equal(overloaded.status, 529);
  assert.deepEqual((overloaded.error as { error: unknown }).error, {
    type: "overloaded_error",
    message: "Overloaded",
  });

  const quota = await anthropic.messages
    .create({ model: "no-quota", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(quota instanceof Anthropic.RateLimitError);
  assert.deepEqual((quota.error as { error: unknown }).error, {
    type: "rate_limit_error",
    message: "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.",
  });

  const fromOpenAI = await openai.chat.completions
    .create({ model: "no-quota", messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(fromOpenAI instanceof OpenAI.RateLimitError);
  assert.deepEqual(fromOpenAI.error, {
    type: "RESOURCE_EXHAUSTED",
    code: "429",
    message: "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.",
  });

  const overloadedChat = await openai.chat.completions
    .create({ model: "overloaded", messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(overloadedChat instanceof OpenAI.APIError);
  assert.equal(overloadedChat.status, 529);
  assert.deepEqual(overloadedChat.error, { type: "overloaded_error", code: "529", message: "Overloaded" });

  const proxied = await openai.chat.completions
    .create({ model: "proxy-error", messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(proxied instanceof OpenAI.InternalServerError);
  assert.deepEqual(proxied.error, {
    type: "GCPBackendError",
    code: "503",
    message: "upstream connect error or disconnect/reset before headers",
  });
});

test("an error event inside a Vertex stream reaches each SDK as an error, with the usage so far counted", async () => {
  const recordsBefore = gateway.records.length;
  const fromAnthropic = await anthropic.messages
    .stream({ model: "overloaded-mid-stream", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .finalMessage()
    .catch((err: unknown) => err);
  assert.ok(fromAnthropic instanceof Anthropic.APIError, String(fromAnthropic));
  assert.match(fromAnthropic.message, /Overloaded/);

  const fromOpenAI = await (async () => {
    const stream = await openai.chat.completions.create({
      model: "overloaded-mid-stream",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    for await (const _chunk of stream) {
      // read until the error
    }
  })().catch((err: unknown) => err);
  assert.ok(fromOpenAI instanceof OpenAI.APIError, String(fromOpenAI));
  assert.match(fromOpenAI.message, /Overloaded/);

  const records = await gateway.waitForRecords(recordsBefore + 2);
  for (const record of records.slice(recordsBefore)) {
    assert.equal(
      record.usage?.inputTokens,
      FAKE_CLAUDE_RECORDED_USAGE.inputTokens,
      "message_start's input is counted",
    );
  }
});

test("a token endpoint that refuses the key: 502 in each envelope, naming the endpoint and never the key", async () => {
  brokenTokens.failNext(2, 400, "invalid_grant", "Invalid JWT Signature.");
  const before = vertex.requests.length;
  const fromAnthropic = await anthropic.messages
    .create({ model: "broken-credentials", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(fromAnthropic instanceof Anthropic.APIError);
  assert.equal(fromAnthropic.status, 502);
  const anthropicError = (fromAnthropic.error as { error: { type: string; message: string } }).error;
  assert.equal(anthropicError.type, "api_error");
  assert.match(
    anthropicError.message,
    /GCP token endpoint http:\/\/127\.0\.0\.1:\d+\/token answered 400: invalid_grant \(Invalid JWT Signature\.\)/,
  );

  const fromOpenAI = await openai.chat.completions
    .create({ model: "broken-credentials", messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(fromOpenAI instanceof OpenAI.APIError);
  assert.equal(fromOpenAI.status, 502);
  const openAIError = fromOpenAI.error as { type: string; message: string };
  assert.equal(openAIError.type, "BadGateway");
  assert.match(openAIError.message, /invalid_grant/);
  for (const message of [anthropicError.message, openAIError.message])
    assert.ok(!message.includes("PRIVATE KEY"));
  assert.equal(vertex.requests.length, before, "nothing reached Vertex without a token");
  assert.equal(brokenTokens.requests.length, 2, "the failure was not cached: each request tried again");

  // Once the endpoint issues tokens again, the same backend serves.
  const served = await anthropic.messages.create({
    model: "broken-credentials",
    max_tokens: 16,
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(served.content[0]?.type, "text");
  assert.equal(brokenTokens.issued.length, 1);
});

test("a short-lived token is refreshed before it expires, and later requests use the new one", async () => {
  // A gateway of its own, so its token cache starts empty; tokens live four seconds, refreshed after two (room for a loaded machine).
  const shortTokens = await startFakeGcpToken({ expiresIn: 4 });
  const shortVertex = await startFakeVertexAnthropic({
    ...LOCATION,
    isValidToken: (t) => shortTokens.isValid(t),
  });
  const shortGateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      vertexAnthropicBackendDocs("claude-vertex", shortVertex.url),
      gcpPolicyDocs("claude-vertex", shortTokens.account, LOCATION),
      routeDoc("vertex", {
        rules: [{ matches: [modelIs(CLAUDE)], backendRefs: [{ name: "claude-vertex" }] }],
      }),
    ),
  );
  try {
    const client = new Anthropic({ apiKey: "x", baseURL: `${shortGateway.url}/anthropic`, maxRetries: 0 });
    const ask = () =>
      client.messages.create({ model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    await ask();
    await ask();
    assert.equal(shortTokens.issued.length, 1, "two requests, one token");
    await new Promise((resolve) => setTimeout(resolve, 2100));
    // Inside the refresh margin: this request still goes with the first token while a refresh runs.
    await ask();
    // The refresh completes in the background; requests switch to its token as soon as it is cached.
    const deadline = Date.now() + 5000;
    const second = () => shortTokens.issued[1]?.value;
    while (shortVertex.calls.at(-1)?.token !== second() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await ask();
    }
    const used = shortVertex.calls.map((c) => c.token);
    const first = shortTokens.issued[0]?.value;
    assert.equal(shortTokens.issued.length, 2, "one refresh, however many requests");
    assert.deepEqual(used.slice(0, 3), [first, first, first]);
    assert.equal(used.at(-1), second(), "the refreshed token is used once it arrived");
    assert.ok(used.every((t) => t === first || t === second()));
    assert.ok(
      Date.now() < shortTokens.issued[0]!.expiresAt,
      "the new token was in use before the old one expired",
    );
  } finally {
    await shortGateway.close();
    await shortVertex.close();
    await shortTokens.close();
  }
});
