import * as assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import OpenAI from "openai";
import { emptyUsage } from "../../src/usage/token-usage.js";
import { expectedUsage } from "../support/expected-usage.js";
import { bedrockBackendDocs, EXAMPLE_CREDENTIALS, startFakeBedrock } from "../support/fake-bedrock.js";
import { FAKE_ANSWER, FAKE_CHAT_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import {
  answerStatus,
  backendTrafficPolicyDoc,
  closedPort,
  delayed,
  PROVIDER_FALLBACK_RETRY,
} from "../support/fault-handlers.js";
import { modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import {
  attemptsOf,
  chunkText,
  drain,
  finishReasonOf,
  startScenario,
  USER_HI,
} from "../support/resilience-scenario.js";
import { sendRaw } from "../support/send-raw.js";

/**
 * Failover before the client's answer is committed, through the official SDKs (their own retries
 * off): a refused connection, a 5xx or 429 from the primary tier, Envoy's retry policy of the
 * original's provider_fallback example, failover to a backend of another schema (translated and
 * signed afresh), and circuit-breaker overflow. Each case checks what the client saw and what the
 * request record counted, attempt by attempt.
 */

const MODEL = "gpt-test";
const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const OPENAI_USAGE = expectedUsage(FAKE_CHAT_USAGE);
/** fake-bedrock's default Converse usage, as the gateway records it. */
const BEDROCK_USAGE = { ...emptyUsage(), inputTokens: 10, outputTokens: 5, totalTokens: 15 };

async function upstream(t: TestContext, handler = fakeOpenAIHandler): Promise<RecordingUpstream> {
  const u = await startRecordingUpstream(handler);
  t.after(() => u.close());
  return u;
}

/** One rule for MODEL over `refs` (name, priority, weight, override). */
function route(refs: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return routeDoc("r", { rules: [{ matches: [modelIs(MODEL)], backendRefs: refs, ...extra }] });
}

// ---- refused connections --------------------------------------------------------------------------

test("refused connection on the primary tier: answered by the fallback, the refusal recorded", async (t) => {
  const good = await upstream(t);
  const s = await startScenario(
    t,
    openAIBackendDocs("refused", `http://127.0.0.1:${await closedPort()}`),
    openAIBackendDocs("good", good.url),
    route([
      { name: "refused", priority: 0 },
      { name: "good", priority: 1 },
    ]),
  );
  const { result, error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.equal(error, undefined);
  assert.equal(result?.choices[0]?.message.content, FAKE_ANSWER);
  assert.equal(good.requests.length, 1);
  assert.equal(record.status, 200);
  assert.equal(record.error, undefined);
  assert.equal(record.backend, "default/good");
  assert.deepEqual(attemptsOf(record), [
    ["refused", 0, "upstream_unreachable"],
    ["good", 200, undefined],
  ]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

test("refused connection within one tier, no policy: retried on the other backend of the tier", async (t) => {
  const good = await upstream(t);
  const s = await startScenario(
    t,
    openAIBackendDocs("refused", `http://127.0.0.1:${await closedPort()}`),
    openAIBackendDocs("good", good.url),
    // 99:1, so the refused backend is almost surely tried first at least once in three requests.
    route([
      { name: "refused", weight: 99 },
      { name: "good", weight: 1 },
    ]),
  );
  let triedRefusedFirst = 0;
  for (let i = 0; i < 3; i++) {
    const { error, record } = await s.observe(() =>
      s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
    );
    assert.equal(error, undefined);
    assert.equal(record.status, 200);
    assert.equal(record.backend, "default/good");
    const attempts = attemptsOf(record);
    if (attempts.length === 2) {
      triedRefusedFirst += 1;
      assert.deepEqual(attempts[0], ["refused", 0, "upstream_unreachable"]);
    }
    assert.deepEqual(attempts.at(-1), ["good", 200, undefined]);
    assert.deepEqual(record.usage, OPENAI_USAGE);
  }
  assert.ok(triedRefusedFirst > 0, "the refused backend was tried first at least once");
  assert.equal(good.requests.length, 3);
});

test("refused connections, no policy: retried once only, then 503 in the OpenAI envelope", async (t) => {
  const ports = [await closedPort(), await closedPort(), await closedPort()];
  const s = await startScenario(
    t,
    ...ports.map((port, i) => openAIBackendDocs(`refused-${i}`, `http://127.0.0.1:${port}`)),
    route(ports.map((_, i) => ({ name: `refused-${i}` }))),
  );
  const raw = await s.observe(() =>
    sendRaw(`${s.url}/v1/chat/completions`, { body: { model: MODEL, messages: USER_HI } }),
  );
  assert.equal(raw.result?.status, 503);
  const envelope = JSON.parse(raw.result!.text);
  assert.equal(envelope.type, "error");
  assert.equal(envelope.error.type, "ServiceUnavailable");
  assert.equal(envelope.error.code, "503");
  assert.match(envelope.error.message, /^upstream connect error or disconnect\/reset before headers: /);
  const { record } = raw;
  assert.equal(record.status, 503);
  assert.equal(record.error, "upstream_unreachable");
  assert.equal(record.attempts.length, 2, "the first attempt and one retry");
  assert.ok(record.attempts.every((a) => a.status === 0 && a.error === "upstream_unreachable"));
  assert.notEqual(record.attempts[0]!.backend, record.attempts[1]!.backend, "the retry went elsewhere");
  assert.deepEqual(record.usage, emptyUsage());

  const sdk = await s.observe(() => s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }));
  assert.ok(sdk.error instanceof OpenAI.InternalServerError, String(sdk.error));
  assert.equal((sdk.error as InstanceType<typeof OpenAI.APIError>).status, 503);
});

// ---- status failover without a policy --------------------------------------------------------------

for (const status of [500, 503, 429]) {
  test(`${status} from the priority-0 backend, no policy: failover to the priority-1 fallback`, async (t) => {
    const primary = await upstream(t, answerStatus(status));
    const fallback = await upstream(t);
    const s = await startScenario(
      t,
      openAIBackendDocs("primary", primary.url),
      openAIBackendDocs("fallback", fallback.url),
      route([
        { name: "primary", priority: 0 },
        { name: "fallback", priority: 1 },
      ]),
    );
    const plain = await s.observe(() =>
      s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
    );
    assert.equal(plain.error, undefined);
    assert.equal(plain.result?.choices[0]?.message.content, FAKE_ANSWER);
    assert.equal(plain.record.status, 200);
    assert.equal(plain.record.error, undefined);
    assert.equal(plain.record.backend, "default/fallback");
    assert.deepEqual(attemptsOf(plain.record), [
      ["primary", status, undefined],
      ["fallback", 200, undefined],
    ]);
    assert.deepEqual(plain.record.usage, OPENAI_USAGE);

    // A stream too: the primary's error answer is not streamed, so nothing was committed.
    const streamed = await s.observe(async () =>
      drain(
        await s.openai.chat.completions.create({
          model: MODEL,
          messages: USER_HI,
          stream: true,
          stream_options: { include_usage: true },
        }),
      ),
    );
    assert.equal(streamed.error, undefined);
    assert.equal(streamed.result?.error, undefined);
    assert.equal(chunkText(streamed.result!.chunks), FAKE_ANSWER);
    assert.equal(finishReasonOf(streamed.result!.chunks), "stop");
    assert.deepEqual(attemptsOf(streamed.record), [
      ["primary", status, undefined],
      ["fallback", 200, undefined],
    ]);
    assert.deepEqual(streamed.record.usage, OPENAI_USAGE);
    assert.equal(primary.requests.length, 2);
    assert.equal(fallback.requests.length, 2);
  });

  test(`${status} with only one tier, no policy: relayed as it is, not retried`, async (t) => {
    const a = await upstream(t, answerStatus(status));
    const b = await upstream(t, answerStatus(status));
    const s = await startScenario(
      t,
      openAIBackendDocs("a", a.url),
      openAIBackendDocs("b", b.url),
      route([{ name: "a" }, { name: "b" }]),
    );
    const raw = await s.observe(() =>
      sendRaw(`${s.url}/v1/chat/completions`, { body: { model: MODEL, messages: USER_HI } }),
    );
    assert.equal(raw.result?.status, status);
    assert.deepEqual(JSON.parse(raw.result!.text), {
      error: { message: `injected ${status}`, type: "server_error", param: null, code: null },
    });
    assert.equal(raw.record.status, status);
    assert.equal(raw.record.attempts.length, 1);
    assert.equal(raw.record.attempts[0]!.status, status);
    assert.equal(a.requests.length + b.requests.length, 1, "one upstream request");
    assert.deepEqual(raw.record.usage, emptyUsage());

    const sdk = await s.observe(() => s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }));
    const expected = status === 429 ? OpenAI.RateLimitError : OpenAI.InternalServerError;
    assert.ok(sdk.error instanceof expected, String(sdk.error));
    assert.equal((sdk.error as InstanceType<typeof OpenAI.APIError>).status, status);
    assert.equal((sdk.error as InstanceType<typeof OpenAI.APIError>).message, `${status} injected ${status}`);
    assert.equal(sdk.record.status, status);
  });
}

// ---- the original's provider_fallback retry policy ----------------------------------------------------

async function providerFallback(t: TestContext, primaryStatus: number) {
  const primary = await upstream(t, answerStatus(primaryStatus));
  const sibling = await upstream(t, answerStatus(primaryStatus));
  const fallback = await upstream(t);
  const s = await startScenario(
    t,
    openAIBackendDocs("primary", primary.url),
    openAIBackendDocs("sibling", sibling.url),
    openAIBackendDocs("fallback", fallback.url),
    routeDoc("provider-fallback", {
      rules: [
        {
          matches: [modelIs(MODEL)],
          backendRefs: [
            { name: "primary", priority: 0 },
            { name: "sibling", priority: 0 },
            { name: "fallback", priority: 1 },
          ],
        },
      ],
    }),
    backendTrafficPolicyDoc("provider-fallback", "provider-fallback", { retry: PROVIDER_FALLBACK_RETRY }),
  );
  return { s, primary, sibling, fallback };
}

test("provider_fallback policy: a 500 fails over to the next priority after one attempt per priority", async (t) => {
  const { s, primary, sibling, fallback } = await providerFallback(t, 500);
  const { result, error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.equal(error, undefined);
  assert.equal(result?.choices[0]?.message.content, FAKE_ANSWER);
  assert.equal(record.status, 200);
  assert.equal(record.backend, "default/fallback");
  const attempts = attemptsOf(record);
  assert.equal(attempts.length, 2, "numAttemptsPerPriority 1: one attempt in priority 0, then priority 1");
  assert.ok(["primary", "sibling"].includes(attempts[0]![0]));
  assert.deepEqual(attempts[0]!.slice(1), [500, undefined]);
  assert.deepEqual(attempts[1], ["fallback", 200, undefined]);
  assert.equal(primary.requests.length + sibling.requests.length, 1);
  assert.equal(fallback.requests.length, 1);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

test("provider_fallback policy: a 503 is not in httpStatusCodes and is relayed, as Envoy would", async (t) => {
  const { s, primary, sibling, fallback } = await providerFallback(t, 503);
  const { error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.ok(error instanceof OpenAI.InternalServerError, String(error));
  assert.equal((error as InstanceType<typeof OpenAI.APIError>).status, 503);
  assert.equal(record.status, 503);
  assert.equal(record.attempts.length, 1);
  assert.equal(record.attempts[0]!.status, 503);
  assert.deepEqual(record.usage, emptyUsage());
  assert.equal(primary.requests.length + sibling.requests.length, 1);
  assert.equal(fallback.requests.length, 0);
});

test("provider_fallback policy: a refused connection (connect-failure) fails over too", async (t) => {
  const fallback = await upstream(t);
  const s = await startScenario(
    t,
    openAIBackendDocs("primary", `http://127.0.0.1:${await closedPort()}`),
    openAIBackendDocs("fallback", fallback.url),
    routeDoc("provider-fallback", {
      rules: [
        {
          matches: [modelIs(MODEL)],
          backendRefs: [
            { name: "primary", priority: 0 },
            { name: "fallback", priority: 1 },
          ],
        },
      ],
    }),
    backendTrafficPolicyDoc("provider-fallback", "provider-fallback", { retry: PROVIDER_FALLBACK_RETRY }),
  );
  const { error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.equal(error, undefined);
  assert.deepEqual(attemptsOf(record), [
    ["primary", 0, "upstream_unreachable"],
    ["fallback", 200, undefined],
  ]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

// ---- failover to another schema ------------------------------------------------------------------------

async function crossSchema(t: TestContext) {
  const bedrock = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS });
  t.after(() => bedrock.close());
  const s = await startScenario(
    t,
    openAIBackendDocs("openai", `http://127.0.0.1:${await closedPort()}`, { apiKey: "sk-upstream" }),
    bedrockBackendDocs("bedrock", bedrock, { credentials: EXAMPLE_CREDENTIALS }),
    route([
      { name: "openai", priority: 0 },
      { name: "bedrock", priority: 1, modelNameOverride: CLAUDE },
    ]),
  );
  return { s, bedrock };
}

test("cross-schema failover: OpenAI primary down, AWS Bedrock fallback answers chat (signed afresh)", async (t) => {
  const { s, bedrock } = await crossSchema(t);
  const { result, error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.equal(error, undefined);
  assert.equal(result?.choices[0]?.message.content, "Hello from Bedrock.");
  assert.equal(result?.choices[0]?.finish_reason, "stop");
  assert.deepEqual(result?.usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  // The fake accepted the signature (it answers 403 otherwise) and the Converse shape.
  assert.equal(bedrock.calls.length, 1);
  assert.equal(bedrock.calls[0]!.operation, "converse");
  assert.equal(bedrock.calls[0]!.modelId, CLAUDE);
  assert.deepEqual(bedrock.calls[0]!.body.messages, [{ role: "user", content: [{ text: "Hi" }] }]);
  assert.equal(bedrock.calls[0]!.request.headers["x-api-key"], undefined);
  assert.doesNotMatch(String(bedrock.calls[0]!.request.headers.authorization), /sk-upstream/);
  assert.equal(record.status, 200);
  assert.equal(record.backend, "default/bedrock");
  assert.equal(record.requestModel, CLAUDE);
  assert.deepEqual(attemptsOf(record), [
    ["openai", 0, "upstream_unreachable"],
    ["bedrock", 200, undefined],
  ]);
  assert.deepEqual(record.usage, BEDROCK_USAGE);
});

test("cross-schema failover: a chat stream is answered by AWS Bedrock ConverseStream", async (t) => {
  const { s, bedrock } = await crossSchema(t);
  const { result, error, record } = await s.observe(async () =>
    drain(
      await s.openai.chat.completions.create({
        model: MODEL,
        messages: USER_HI,
        stream: true,
        stream_options: { include_usage: true },
      }),
    ),
  );
  assert.equal(error, undefined);
  assert.equal(result?.error, undefined);
  assert.equal(chunkText(result!.chunks), "Hello from Bedrock.");
  assert.equal(finishReasonOf(result!.chunks), "stop");
  assert.deepEqual(result!.chunks.at(-1)?.usage, {
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
  });
  assert.equal(bedrock.calls.length, 1);
  assert.equal(bedrock.calls[0]!.operation, "converse-stream");
  assert.equal(record.status, 200);
  assert.equal(record.error, undefined);
  assert.deepEqual(attemptsOf(record), [
    ["openai", 0, "upstream_unreachable"],
    ["bedrock", 200, undefined],
  ]);
  assert.deepEqual(record.usage, BEDROCK_USAGE);
});

test("cross-schema failover: an Anthropic client's Messages go to AWS Bedrock when the OpenAI primary is down", async (t) => {
  const { s, bedrock } = await crossSchema(t);
  const plain = await s.observe(() =>
    s.anthropic.messages.create({ model: MODEL, max_tokens: 64, messages: USER_HI }),
  );
  assert.equal(plain.error, undefined);
  assert.deepEqual(plain.result?.content, [{ type: "text", text: "Hello from Bedrock." }]);
  assert.equal(plain.result?.stop_reason, "end_turn");
  assert.equal(plain.result?.usage.input_tokens, 10);
  assert.equal(plain.result?.usage.output_tokens, 5);
  assert.equal(bedrock.calls[0]!.operation, "converse");
  assert.deepEqual(bedrock.calls[0]!.body.inferenceConfig, { maxTokens: 64 });
  assert.deepEqual(attemptsOf(plain.record), [
    ["openai", 0, "upstream_unreachable"],
    ["bedrock", 200, undefined],
  ]);
  assert.deepEqual(plain.record.usage, BEDROCK_USAGE);

  const streamed = await s.observe(async () => {
    const stream = s.anthropic.messages.stream({ model: MODEL, max_tokens: 64, messages: USER_HI });
    return stream.finalMessage();
  });
  assert.equal(streamed.error, undefined);
  assert.deepEqual(streamed.result?.content, [{ type: "text", text: "Hello from Bedrock." }]);
  assert.equal(bedrock.calls[1]!.operation, "converse-stream");
  assert.equal(streamed.record.status, 200);
  assert.deepEqual(attemptsOf(streamed.record), [
    ["openai", 0, "upstream_unreachable"],
    ["bedrock", 200, undefined],
  ]);
  assert.deepEqual(streamed.record.usage, BEDROCK_USAGE);
});

test("cross-schema failover on a 503: the OpenAI answer is dropped and Bedrock's is translated", async (t) => {
  const primary = await upstream(t, answerStatus(503));
  const bedrock = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS });
  t.after(() => bedrock.close());
  const s = await startScenario(
    t,
    openAIBackendDocs("openai", primary.url),
    bedrockBackendDocs("bedrock", bedrock, { credentials: EXAMPLE_CREDENTIALS }),
    route([
      { name: "openai", priority: 0 },
      { name: "bedrock", priority: 1, modelNameOverride: CLAUDE },
    ]),
  );
  const { result, record } = await s.observe(async () =>
    drain(await s.openai.chat.completions.create({ model: MODEL, messages: USER_HI, stream: true })),
  );
  assert.equal(result?.error, undefined);
  assert.equal(chunkText(result!.chunks), "Hello from Bedrock.");
  assert.equal(primary.requests.length, 1);
  assert.equal(bedrock.calls.length, 1);
  assert.deepEqual(attemptsOf(record), [
    ["openai", 503, undefined],
    ["bedrock", 200, undefined],
  ]);
  assert.deepEqual(record.usage, BEDROCK_USAGE);
});

// ---- circuit breaker ----------------------------------------------------------------------------------

const ONE_AT_A_TIME = {
  circuitBreaker: { maxConnections: 1, maxPendingRequests: 0, maxParallelRequests: 1 },
};

test("circuitBreaker maxParallelRequests 1: a concurrent second request fails fast with 503, not queued", async (t) => {
  const slow = await upstream(t, delayed(600));
  const s = await startScenario(
    t,
    openAIBackendDocs("slow", slow.url),
    route([{ name: "slow" }]),
    backendTrafficPolicyDoc("one-at-a-time", "r", ONE_AT_A_TIME),
  );
  let firstDone = false;
  const first = s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }).finally(() => {
    firstDone = true;
  });
  while (slow.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = performance.now();
  const raw = await sendRaw(`${s.url}/v1/chat/completions`, { body: { model: MODEL, messages: USER_HI } });
  const elapsed = performance.now() - started;
  assert.equal(raw.status, 503, raw.text);
  assert.equal(
    firstDone,
    false,
    "answered while the first request still held the slot, not queued behind it",
  );
  assert.ok(elapsed < 500, `answered in ${elapsed.toFixed(0)} ms`);
  const envelope = JSON.parse(raw.text);
  assert.equal(envelope.error.type, "ServiceUnavailable");
  assert.equal(envelope.error.code, "503");
  assert.match(envelope.error.message, /overflow/);
  const [overflowRecord] = await s.gateway.waitForRecords(1);
  assert.equal(overflowRecord!.status, 503);
  assert.equal(overflowRecord!.error, "overflow");
  assert.deepEqual(overflowRecord!.attempts, []);
  assert.deepEqual(overflowRecord!.usage, emptyUsage());
  assert.equal(slow.requests.length, 1, "the second request never reached the backend");

  assert.equal((await first).choices[0]?.message.content, FAKE_ANSWER);
  const firstRecord = (await s.gateway.waitForRecords(2))[1]!;
  assert.equal(firstRecord.status, 200);
  assert.deepEqual(attemptsOf(firstRecord), [["slow", 200, undefined]]);

  // The slot is free again.
  const again = await s.observe(() => s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }));
  assert.equal(again.error, undefined);
  assert.equal(slow.requests.length, 2);
});

test("circuitBreaker overflow with a second tier: the concurrent request goes there", async (t) => {
  const slow = await upstream(t, delayed(400));
  const fallback = await upstream(t);
  const s = await startScenario(
    t,
    openAIBackendDocs("slow", slow.url),
    openAIBackendDocs("fallback", fallback.url),
    route([
      { name: "slow", priority: 0 },
      { name: "fallback", priority: 1 },
    ]),
    backendTrafficPolicyDoc("one-at-a-time", "r", ONE_AT_A_TIME),
  );
  const first = s.openai.chat.completions.create({ model: MODEL, messages: USER_HI });
  while (slow.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const second = await s.openai.chat.completions.create({ model: MODEL, messages: USER_HI });
  assert.equal(second.choices[0]?.message.content, FAKE_ANSWER);
  const [secondRecord] = await s.gateway.waitForRecords(1);
  assert.equal(secondRecord!.backend, "default/fallback");
  assert.deepEqual(attemptsOf(secondRecord!), [["fallback", 200, undefined]]);
  assert.equal(slow.requests.length, 1);
  assert.equal(fallback.requests.length, 1);
  assert.equal((await first).choices[0]?.message.content, FAKE_ANSWER);
  const firstRecord = (await s.gateway.waitForRecords(2))[1]!;
  assert.equal(firstRecord.backend, "default/slow");
  assert.deepEqual(attemptsOf(firstRecord), [["slow", 200, undefined]]);
});
