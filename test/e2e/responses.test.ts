import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { TokenUsage } from "../../src/usage/token-usage.js";
import { type FakeResponsesCall, startFakeOpenAIResponses } from "../support/fake-openai-responses.js";
import {
  answeringModel,
  countFakeInputTokens,
  RESPONSES_TEXT,
  RESPONSES_USAGE,
} from "../support/fake-responses-api.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import type { FakeUpstream } from "../support/recording-upstream.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The official OpenAI SDK's Responses API (`client.responses.create`, plain and streamed, and
 * `client.responses.inputTokens.count`) through the gateway to a fake OpenAI that checks the path, the
 * bearer key and the body. The body passes as sent (only `model` replaced under modelNameOverride);
 * usage is read from the response object, or from `response.completed` in a stream, and reaches the
 * request record and the route's costs; the model is the one the upstream reports.
 */

const MODEL = "gpt-4.1";
const UPSTREAM_KEY = "sk-upstream-responses";

let fake: FakeUpstream<FakeResponsesCall>;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  fake = await startFakeOpenAIResponses(UPSTREAM_KEY);
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("openai", fake.url, { apiKey: UPSTREAM_KEY }),
      routeDoc("responses", {
        rules: [
          { matches: [modelIs(MODEL), modelIs("refuse-me")], backendRefs: [{ name: "openai" }] },
          { matches: [modelIs("my-alias")], backendRefs: [{ name: "openai", modelNameOverride: MODEL }] },
        ],
        llmRequestCosts: [
          { metadataKey: "input", type: "InputToken" },
          { metadataKey: "cached", type: "CachedInputToken" },
          { metadataKey: "output", type: "OutputToken" },
          { metadataKey: "reasoning", type: "ReasoningToken" },
        ],
      }),
    ),
  );
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
});

/** The fake's usage as the gateway must count it (written out apart from the gateway's reading). */
const EXPECTED_USAGE: TokenUsage = {
  inputTokens: RESPONSES_USAGE.input_tokens,
  outputTokens: RESPONSES_USAGE.output_tokens,
  totalTokens: RESPONSES_USAGE.total_tokens,
  cachedInputTokens: RESPONSES_USAGE.input_tokens_details.cached_tokens,
  cacheCreationInputTokens: 0,
  reasoningTokens: RESPONSES_USAGE.output_tokens_details.reasoning_tokens,
};

const EXPECTED_COSTS = {
  input: RESPONSES_USAGE.input_tokens,
  cached: RESPONSES_USAGE.input_tokens_details.cached_tokens,
  output: RESPONSES_USAGE.output_tokens,
  reasoning: RESPONSES_USAGE.output_tokens_details.reasoning_tokens,
};

test("responses.create: the body as sent to /v1/responses with the backend's key, usage and model counted", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.responses.create({
      model: MODEL,
      input: "What is the capital of France?",
      instructions: "Be brief.",
    }),
  );
  assert.equal(result.output_text, RESPONSES_TEXT);
  assert.equal(result.model, answeringModel(MODEL));
  assert.equal(calls.length, 1);
  const call = calls[0]!;
  assert.equal(call.operation, "responses");
  assert.equal(call.request.headers.authorization, `Bearer ${UPSTREAM_KEY}`, "the client's key is replaced");
  assert.deepEqual(call.body, {
    model: MODEL,
    input: "What is the capital of France?",
    instructions: "Be brief.",
  });
  assert.equal(record.status, 200);
  assert.equal(record.operation, "responses");
  assert.equal(record.stream, false);
  assert.equal(record.requestModel, MODEL);
  assert.equal(record.responseModel, answeringModel(MODEL));
  assert.deepEqual(record.usage, EXPECTED_USAGE);
  assert.deepEqual(record.costs, EXPECTED_COSTS);
});

test("responses.create with stream: true relays every event and counts response.completed's usage", async () => {
  const {
    result: events,
    calls,
    record,
  } = await observeCalls(gateway, fake, async () => {
    const stream = await client.responses.create({
      model: MODEL,
      input: [{ role: "user", content: "What is the capital of France?" }],
      stream: true,
    });
    const seen: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) seen.push(event);
    return seen;
  });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.body.stream, true);
  assert.equal(calls[0]!.body.stream_options, undefined, "no usage option forced on the Responses API");
  const types = events.map((e) => e.type);
  assert.equal(types[0], "response.created");
  assert.equal(types.at(-1), "response.completed");
  const text = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("");
  assert.equal(text, RESPONSES_TEXT);
  assert.deepEqual(
    events.map((e) => e.sequence_number),
    events.map((_, i) => i),
    "every event, in order",
  );
  const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
  assert.equal(completed.response.usage?.total_tokens, RESPONSES_USAGE.total_tokens);
  assert.equal(record.status, 200);
  assert.equal(record.stream, true);
  assert.equal(record.responseModel, answeringModel(MODEL));
  assert.deepEqual(record.usage, EXPECTED_USAGE);
  assert.deepEqual(record.costs, EXPECTED_COSTS);
});

test("modelNameOverride replaces only the body's model, plain and streamed", async () => {
  for (const stream of [false, true]) {
    const { calls, record } = await observeCalls(gateway, fake, async () => {
      const answer = await client.responses.create({ model: "my-alias", input: "hi", stream });
      if (stream) for await (const _ of answer as AsyncIterable<unknown>);
    });
    assert.equal(calls.length, 1, `stream ${stream}`);
    assert.deepEqual(calls[0]!.body, { model: MODEL, input: "hi", stream });
    assert.equal(record.originalModel, "my-alias");
    assert.equal(record.requestModel, MODEL);
    assert.equal(record.responseModel, answeringModel(MODEL));
    assert.deepEqual(record.usage, EXPECTED_USAGE, `stream ${stream}`);
  }
});

test("responses.inputTokens.count goes to /v1/responses/input_tokens; the count is input usage", async () => {
  const input = "How many tokens are in this sentence, roughly?";
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.responses.inputTokens.count({ model: MODEL, input }),
  );
  const expected = countFakeInputTokens({ input });
  assert.equal(result.input_tokens, expected);
  assert.equal(result.object, "response.input_tokens");
  assert.equal(calls[0]!.operation, "input_tokens");
  assert.deepEqual(calls[0]!.body, { model: MODEL, input });
  assert.equal(record.operation, "responses_input_tokens");
  assert.equal(record.usage.inputTokens, expected);
  assert.equal(record.usage.outputTokens, 0);
});

test("an upstream error reaches the SDK as OpenAI sent it", async () => {
  await assert.rejects(
    () => client.responses.create({ model: "refuse-me", input: "hi" }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.code, "model_not_found");
      assert.equal(err.param, "model");
      assert.match(err.message, /does not exist/);
      return true;
    },
  );
});

test("a body without a model is refused by the gateway in the OpenAI envelope", async () => {
  const res = await fetch(`${gateway.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: "hi" }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error?: { type?: string; message?: string } };
  assert.equal(typeof body.error?.message, "string");
});
