import * as assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { emptyUsage } from "../../src/usage/token-usage.js";
import { expectedUsage } from "../support/expected-usage.js";
import { anthropicBackendDocs } from "../support/fake-anthropic.js";
import { FAKE_ANSWER, FAKE_CHAT_USAGE, fakeOpenAIHandler } from "../support/fake-openai-server.js";
import {
  backendTrafficPolicyDoc,
  chatStreamEvents,
  compressed,
  flushed,
  garbage200,
  hang,
  resetAfterEvents,
  resetAfterFlush,
  resetAfterHeaders,
  STREAM_PIECES,
  stallAfterEvents,
  stallAfterHeaders,
  trickle,
  truncatedJson,
  within,
} from "../support/fault-handlers.js";
import { modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import {
  type RecordingUpstream,
  startRecordingUpstream,
  type UpstreamHandler,
} from "../support/recording-upstream.js";
import {
  attemptsOf,
  chunkText,
  drain,
  finishReasonOf,
  type Scenario,
  startScenario,
  USER_HI,
} from "../support/resilience-scenario.js";
import { sendRaw } from "../support/send-raw.js";
import { sseDataPayloads } from "../support/sse-events.js";

/**
 * Timeouts, resets, stalls and malformed answers, before and after the client's answer is
 * committed: before it, the gateway fails over or answers a clean error in the client's envelope;
 * after it (a stream's first byte), it ends the stream with an error event the SDKs raise, and the
 * record says what happened and counts what streamed.
 */

const MODEL = "gpt-test";
const OPENAI_USAGE = expectedUsage(FAKE_CHAT_USAGE);
type ApiError = InstanceType<typeof OpenAI.APIError>;

async function upstream(
  t: TestContext,
  handler: UpstreamHandler = fakeOpenAIHandler,
): Promise<RecordingUpstream> {
  const u = await startRecordingUpstream(handler);
  t.after(() => u.close());
  return u;
}

/** A gateway whose one rule for MODEL has `only` as its one backend; `rule` adds timeouts. */
async function single(t: TestContext, handler: UpstreamHandler, rule: Record<string, unknown> = {}) {
  const only = await upstream(t, handler);
  const s = await startScenario(
    t,
    openAIBackendDocs("only", only.url),
    routeDoc("r", { rules: [{ matches: [modelIs(MODEL)], backendRefs: [{ name: "only" }], ...rule }] }),
  );
  return { s, only };
}

/** A gateway whose rule for MODEL has `primary` at priority 0 and a healthy `fallback` at priority 1. */
async function twoTiers(
  t: TestContext,
  primaryHandler: UpstreamHandler,
  rule: Record<string, unknown> = {},
  ...extra: Record<string, unknown>[]
) {
  const primary = await upstream(t, primaryHandler);
  const fallback = await upstream(t);
  const s = await startScenario(
    t,
    openAIBackendDocs("primary", primary.url),
    openAIBackendDocs("fallback", fallback.url),
    routeDoc("r", {
      rules: [
        {
          matches: [modelIs(MODEL)],
          backendRefs: [
            { name: "primary", priority: 0 },
            { name: "fallback", priority: 1 },
          ],
          ...rule,
        },
      ],
    }),
    ...extra,
  );
  return { s, primary, fallback };
}

const streamChat = (s: Scenario) =>
  s.observe(async () =>
    drain(
      await s.openai.chat.completions.create({
        model: MODEL,
        messages: USER_HI,
        stream: true,
        stream_options: { include_usage: true },
      }),
    ),
  );

const rawChat = (s: Scenario, stream = false) =>
  s.observe(() =>
    sendRaw(`${s.url}/v1/chat/completions`, {
      body: { model: MODEL, messages: USER_HI, ...(stream ? { stream: true } : {}) },
    }),
  );

function envelope(text: string): { type: string; error: { type: string; code: string; message: string } } {
  const body = JSON.parse(text);
  assert.equal(body.type, "error");
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "type"]);
  return body;
}

// ---- the whole-request timeout -------------------------------------------------------------------

test("a hanging backend, no policy, timeouts.request 1s: 504 in each client's envelope, upstream closed", async (t) => {
  const { s, only } = await single(t, hang, { timeouts: { request: "1s" } });

  const started = performance.now();
  const [openai, anthropic] = await Promise.all([
    (async () => {
      try {
        await s.openai.chat.completions.create({ model: MODEL, messages: USER_HI });
      } catch (err) {
        return err;
      }
    })(),
    (async () => {
      try {
        await s.anthropic.messages.create({ model: MODEL, max_tokens: 16, messages: USER_HI });
      } catch (err) {
        return err;
      }
    })(),
  ]);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 950 && elapsed < 3000, `answered after ${elapsed.toFixed(0)} ms`);

  assert.ok(openai instanceof OpenAI.InternalServerError, String(openai));
  assert.equal((openai as ApiError).status, 504);
  assert.deepEqual((openai as ApiError).error, {
    type: "GatewayTimeout",
    code: "504",
    message: "upstream request timeout",
  });
  assert.ok(anthropic instanceof Anthropic.InternalServerError, String(anthropic));
  assert.equal((anthropic as InstanceType<typeof Anthropic.APIError>).status, 504);
  assert.deepEqual((anthropic as InstanceType<typeof Anthropic.APIError>).error, {
    type: "error",
    error: { type: "api_error", message: "upstream request timeout" },
  });

  // The gateway closed both upstream connections when it gave up.
  assert.equal(only.requests.length, 2);
  for (const sent of only.requests)
    assert.equal(await within(5000, "upstream closed", sent.outcome), "aborted");

  const records = await s.gateway.waitForRecords(2);
  for (const record of records) {
    assert.equal(record.status, 504);
    assert.equal(record.error, "timeout");
    assert.deepEqual(attemptsOf(record), [["only", 0, "timeout"]]);
    assert.deepEqual(record.usage, emptyUsage());
  }
});

test("timeouts.backendRequest bounds one attempt: a hanging primary times out and the fallback answers", async (t) => {
  const { s, primary } = await twoTiers(t, hang, { timeouts: { request: "5s", backendRequest: "300ms" } });
  const { result, error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.equal(error, undefined);
  assert.equal(result?.choices[0]?.message.content, FAKE_ANSWER);
  assert.equal(record.status, 200);
  assert.equal(record.error, undefined);
  assert.deepEqual(attemptsOf(record), [
    ["primary", 0, "timeout"],
    ["fallback", 200, undefined],
  ]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
  assert.equal(await within(5000, "primary closed", primary.requests[0]!.outcome), "aborted");
});

// ---- perRetry.timeout ----------------------------------------------------------------------------

const PER_TRY_300MS = {
  retry: { numRetries: 2, retryOn: { triggers: ["reset"] }, perRetry: { timeout: "300ms" } },
};

test("perRetry.timeout 300ms, triggers [reset]: a hanging primary is left for the secondary", async (t) => {
  const { s, primary, fallback } = await twoTiers(
    t,
    hang,
    {},
    backendTrafficPolicyDoc("per-try", "r", PER_TRY_300MS),
  );
  const started = performance.now();
  const plain = await s.observe(() => s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }));
  const elapsed = performance.now() - started;
  assert.equal(plain.error, undefined);
  assert.equal(plain.result?.choices[0]?.message.content, FAKE_ANSWER);
  assert.ok(elapsed >= 290 && elapsed < 1500, `answered after ${elapsed.toFixed(0)} ms`);
  assert.equal(plain.record.status, 200);
  assert.equal(plain.record.error, undefined);
  assert.deepEqual(attemptsOf(plain.record), [
    ["primary", 0, "per_try_timeout"],
    ["fallback", 200, undefined],
  ]);
  assert.deepEqual(plain.record.usage, OPENAI_USAGE);
  assert.equal(await within(5000, "primary closed", primary.requests[0]!.outcome), "aborted");

  const streamed = await streamChat(s);
  assert.equal(streamed.result?.error, undefined);
  assert.equal(chunkText(streamed.result!.chunks), FAKE_ANSWER);
  assert.deepEqual(attemptsOf(streamed.record), [
    ["primary", 0, "per_try_timeout"],
    ["fallback", 200, undefined],
  ]);
  assert.equal(fallback.requests.length, 2);
});

test("perRetry.timeout bounds the time to the headers only: a stream longer than it is not cut", async (t) => {
  const pieces = ["a", "b", "c", "d", "e", "f", "g", "h"];
  const { s } = await twoTiers(
    t,
    trickle(80, pieces),
    {},
    backendTrafficPolicyDoc("per-try", "r", PER_TRY_300MS),
  );
  const started = performance.now();
  const { result, record } = await streamChat(s);
  const elapsed = performance.now() - started;
  assert.ok(elapsed > 600, `the stream took ${elapsed.toFixed(0)} ms, more than perRetry.timeout`);
  assert.equal(result?.error, undefined);
  assert.equal(chunkText(result!.chunks), pieces.join(""));
  assert.equal(finishReasonOf(result!.chunks), "stop");
  assert.equal(record.status, 200);
  assert.equal(record.error, undefined);
  assert.deepEqual(attemptsOf(record), [["primary", 200, undefined]]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

test("timeouts.request expiring mid-stream: a 504 error event ends the stream, the attempt says timeout", async (t) => {
  const { s, only } = await single(t, trickle(150, ["a", "b", "c", "d", "e", "f", "g", "h"]), {
    timeouts: { request: "500ms" },
  });
  const { result, record } = await streamChat(s);
  assert.ok(result?.error instanceof OpenAI.APIError, String(result?.error));
  assert.match((result!.error as ApiError).message, /upstream request timeout/);
  assert.ok(result!.chunks.length > 0, "the stream had started");
  assert.equal(finishReasonOf(result!.chunks), undefined);
  assert.equal(record.status, 200);
  assert.equal(record.error, "timeout");
  assert.deepEqual(attemptsOf(record), [["only", 200, "timeout"]]);
  assert.deepEqual(record.usage, emptyUsage(), "the usage chunk never came");
  assert.equal(await within(5000, "upstream closed", only.requests[0]!.outcome), "aborted");
});

// ---- resets --------------------------------------------------------------------------------------

test("reset after the 200 headers, before the first streamed byte: fails over to the next tier", async (t) => {
  const { s, primary } = await twoTiers(t, resetAfterHeaders);
  const { result, record } = await streamChat(s);
  assert.equal(result?.error, undefined);
  assert.equal(chunkText(result!.chunks), FAKE_ANSWER);
  assert.equal(finishReasonOf(result!.chunks), "stop");
  assert.equal(primary.requests.length, 1);
  assert.equal(record.status, 200);
  assert.equal(record.error, undefined);
  assert.deepEqual(attemptsOf(record), [
    ["primary", 200, "upstream_reset"],
    ["fallback", 200, undefined],
  ]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

test("reset after the 200 headers with one backend: a 502 envelope, not a cut connection", async (t) => {
  const { s } = await single(t, resetAfterHeaders);
  const raw = await rawChat(s, true);
  assert.equal(raw.result?.status, 502);
  assert.match(String(raw.result?.headers["content-type"]), /^application\/json/);
  const { error } = envelope(raw.result!.text);
  assert.equal(error.type, "BadGateway");
  assert.equal(error.code, "502");
  assert.match(error.message, /^upstream reset after the response headers: /);
  assert.equal(raw.record.status, 502);
  assert.equal(raw.record.error, "upstream_reset");
  assert.deepEqual(attemptsOf(raw.record), [["only", 200, "upstream_reset"]]);

  const sdk = await streamChat(s);
  assert.ok(sdk.error instanceof OpenAI.InternalServerError, String(sdk.error));
  assert.equal((sdk.error as ApiError).status, 502);
});

test("reset after the first streamed byte: an error event, no [DONE], no finish_reason; the SDK raises", async (t) => {
  const { s, only } = await single(t, resetAfterEvents(3));
  const { result, error, record } = await streamChat(s);
  assert.equal(error, undefined, "the stream started: the SDK's create() resolved");
  assert.ok(result?.error instanceof OpenAI.APIError, String(result?.error));
  assert.match((result!.error as ApiError).message, /upstream reset after the stream started/);
  assert.equal(chunkText(result!.chunks), STREAM_PIECES.slice(0, 2).join(""));
  assert.equal(finishReasonOf(result!.chunks), undefined);
  assert.equal(record.status, 200);
  assert.equal(record.error, "upstream_reset");
  assert.deepEqual(attemptsOf(record), [["only", 200, "upstream_reset"]]);
  assert.ok(record.timeToFirstByteMs !== undefined);
  assert.deepEqual(record.usage, emptyUsage(), "no usage was streamed before the reset");

  const raw = await rawChat(s, true);
  assert.equal(raw.result?.status, 200);
  const payloads = sseDataPayloads(raw.result!.text);
  assert.ok(!payloads.includes("[DONE]"), "no [DONE] after a failure");
  assert.equal(payloads.length, 4, "the three events relayed, then the error");
  const last = JSON.parse(payloads.at(-1)!);
  assert.deepEqual(Object.keys(last), ["error"]);
  assert.equal(last.error.type, "BadGateway");
  assert.equal(last.error.code, "502");
  assert.equal(only.requests.length, 2, "never retried once committed");
});

test("reset after the usage chunk: the streamed usage is counted, and the error recorded", async (t) => {
  // Everything but [DONE]: role, four pieces, finish, usage.
  const { s } = await single(t, resetAfterEvents(7));
  const { result, record } = await streamChat(s);
  assert.ok(result?.error instanceof OpenAI.APIError, String(result?.error));
  assert.equal(chunkText(result!.chunks), STREAM_PIECES.join(""));
  assert.equal(record.status, 200);
  assert.equal(record.error, "upstream_reset");
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

test("reset after the first byte, Anthropic client on an OpenAI backend: the SDK raises on event: error", async (t) => {
  const { s } = await single(t, resetAfterEvents(3));
  const { result, record } = await s.observe(async () =>
    drain(
      await s.anthropic.messages.create({ model: MODEL, max_tokens: 64, messages: USER_HI, stream: true }),
    ),
  );
  assert.ok(result?.error instanceof Anthropic.APIError, String(result?.error));
  const body = (result!.error as InstanceType<typeof Anthropic.APIError>).error as {
    error: { type: string; message: string };
  };
  assert.equal(body.error.type, "api_error");
  assert.match(body.error.message, /upstream reset after the stream started/);
  assert.equal(result!.chunks[0]?.type, "message_start");
  const text = result!.chunks
    .map((e) => (e.type === "content_block_delta" && e.delta.type === "text_delta" ? e.delta.text : ""))
    .join("");
  assert.equal(text, STREAM_PIECES.slice(0, 2).join(""));
  assert.ok(!result!.chunks.some((e) => e.type === "message_stop"));
  assert.equal(record.status, 200);
  assert.equal(record.error, "upstream_reset");
  assert.deepEqual(attemptsOf(record), [["only", 200, "upstream_reset"]]);
  assert.deepEqual(record.usage, emptyUsage(), "no usage was streamed before the reset");
});

/** An Anthropic Messages stream cut after its first text delta. */
const anthropicCutAfterDelta: UpstreamHandler = async (_req, res) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const events: [string, unknown][] = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id: "msg_fault",
          type: "message",
          role: "assistant",
          model: "claude-fault",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 25, output_tokens: 1 },
        },
      },
    ],
    [
      "content_block_start",
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ],
    [
      "content_block_delta",
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
    ],
  ];
  for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  await flushed(res);
  await resetAfterFlush(res);
};

test("reset after the first byte, Anthropic passthrough: event: error, and message_start's usage counted", async (t) => {
  const claude = await upstream(t, anthropicCutAfterDelta);
  const s = await startScenario(
    t,
    anthropicBackendDocs("claude", claude.url, { apiKey: "sk-ant-upstream" }),
    routeDoc("r", { rules: [{ matches: [modelIs("claude-fault")], backendRefs: [{ name: "claude" }] }] }),
  );
  const { result, record } = await s.observe(async () => {
    const stream = s.anthropic.messages.stream({ model: "claude-fault", max_tokens: 64, messages: USER_HI });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    try {
      await stream.finalMessage();
      return { texts, error: undefined };
    } catch (error) {
      return { texts, error };
    }
  });
  assert.ok(result?.error instanceof Anthropic.APIError, String(result?.error));
  assert.deepEqual(result!.texts, ["Hel"]);
  assert.equal(record.status, 200);
  assert.equal(record.error, "upstream_reset");
  assert.deepEqual(attemptsOf(record), [["claude", 200, "upstream_reset"]]);
  assert.equal(record.usage.inputTokens, 25);
  assert.equal(record.responseModel, "claude-fault");
});

// ---- streamIdleTimeout ---------------------------------------------------------------------------

test("streamIdleTimeout expiring mid-stream: an error event ends the stream, upstream closed", async (t) => {
  const { s, only } = await single(t, stallAfterEvents(2), { streamIdleTimeout: "300ms" });
  const started = performance.now();
  const { result, record } = await streamChat(s);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 290 && elapsed < 2000, `ended after ${elapsed.toFixed(0)} ms`);
  assert.ok(result?.error instanceof OpenAI.APIError, String(result?.error));
  assert.match((result!.error as ApiError).message, /stream idle timeout/);
  assert.equal(chunkText(result!.chunks), STREAM_PIECES[0]);
  assert.equal(finishReasonOf(result!.chunks), undefined);
  assert.equal(record.status, 200);
  assert.equal(record.error, "idle_timeout");
  assert.deepEqual(attemptsOf(record), [["only", 200, "idle_timeout"]]);
  assert.deepEqual(record.usage, emptyUsage());
  assert.equal(await within(5000, "upstream closed", only.requests[0]!.outcome), "aborted");

  const raw = await rawChat(s, true);
  const last = JSON.parse(sseDataPayloads(raw.result!.text).at(-1)!);
  assert.equal(last.error.type, "GatewayTimeout");
  assert.equal(last.error.code, "504");
});

test("streamIdleTimeout expiring before the first byte: fails over to the next tier", async (t) => {
  const { s, primary } = await twoTiers(t, stallAfterHeaders, { streamIdleTimeout: "300ms" });
  const { result, record } = await streamChat(s);
  assert.equal(result?.error, undefined);
  assert.equal(chunkText(result!.chunks), FAKE_ANSWER);
  assert.equal(record.status, 200);
  assert.equal(record.error, undefined);
  assert.deepEqual(attemptsOf(record), [
    ["primary", 200, "idle_timeout"],
    ["fallback", 200, undefined],
  ]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
  assert.equal(await within(5000, "primary closed", primary.requests[0]!.outcome), "aborted");
});

test("a slow trickle (an event every 200 ms for 2 s) completes intact under streamIdleTimeout 1s", async (t) => {
  const pieces = ["t0", "t1", "t2", "t3", "t4", "t5"];
  const { s } = await single(t, trickle(200, pieces), { streamIdleTimeout: "1s" });
  const started = performance.now();
  const { result, record } = await streamChat(s);
  assert.ok(performance.now() - started >= 1900);
  assert.equal(result?.error, undefined);
  assert.equal(chunkText(result!.chunks), pieces.join(""));
  assert.equal(finishReasonOf(result!.chunks), "stop");
  assert.deepEqual(result!.chunks.at(-1)?.usage, FAKE_CHAT_USAGE);
  assert.equal(record.status, 200);
  assert.equal(record.error, undefined);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

// ---- malformed and truncated answers -------------------------------------------------------------

for (const [what, handler] of [
  ["an HTML page", garbage200("<html><body>Bad Gateway</body></html>", "text/html")],
  ["JSON cut short", garbage200('{"id":"chatcmpl-1","object":"chat.completion","choices":[')],
  ["not JSON at all", garbage200("garbage garbage")],
] as const) {
  test(`a 200 whose body is ${what}: a 502 envelope, never relayed`, async (t) => {
    const { s } = await single(t, handler);
    const raw = await rawChat(s);
    assert.equal(raw.result?.status, 502, raw.result?.text);
    const { error } = envelope(raw.result!.text);
    assert.equal(error.type, "BadGateway");
    assert.equal(error.code, "502");
    assert.equal(raw.record.status, 502);
    assert.equal(raw.record.error, "bad_answer");
    assert.deepEqual(attemptsOf(raw.record), [["only", 200, "bad_answer"]]);
    assert.deepEqual(raw.record.usage, emptyUsage());

    const sdk = await s.observe(() => s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }));
    assert.ok(sdk.error instanceof OpenAI.InternalServerError, String(sdk.error));
    assert.equal((sdk.error as ApiError).status, 502);
  });
}

test("a garbage 200 from the primary tier: fails over to the next tier", async (t) => {
  const { s } = await twoTiers(t, garbage200("<html>oops</html>", "text/html"));
  const { result, error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.equal(error, undefined);
  assert.equal(result?.choices[0]?.message.content, FAKE_ANSWER);
  assert.deepEqual(attemptsOf(record), [
    ["primary", 200, "bad_answer"],
    ["fallback", 200, undefined],
  ]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

test("a non-streamed body cut off before its content-length, one backend: a clean 502, never a truncated 200", async (t) => {
  const { s } = await single(t, truncatedJson);
  const raw = await rawChat(s);
  assert.equal(raw.result?.status, 502, raw.result?.text);
  const { error } = envelope(raw.result!.text);
  assert.equal(error.type, "BadGateway");
  assert.match(error.message, /^upstream reset after the response headers: /);
  assert.equal(raw.record.status, 502);
  assert.equal(raw.record.error, "upstream_reset");
  assert.deepEqual(attemptsOf(raw.record), [["only", 200, "upstream_reset"]]);
  assert.deepEqual(raw.record.usage, emptyUsage());
});

test("a non-streamed body cut off before its content-length, two tiers: fails over", async (t) => {
  const { s } = await twoTiers(t, truncatedJson);
  const { result, error, record } = await s.observe(() =>
    s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }),
  );
  assert.equal(error, undefined);
  assert.equal(result?.choices[0]?.message.content, FAKE_ANSWER);
  assert.deepEqual(attemptsOf(record), [
    ["primary", 200, "upstream_reset"],
    ["fallback", 200, undefined],
  ]);
  assert.deepEqual(record.usage, OPENAI_USAGE);
});

// ---- compression nobody asked for ----------------------------------------------------------------

for (const encoding of ["gzip", "br"] as const) {
  test(`a ${encoding}-compressed answer nobody asked for: decoded for the client, usage counted`, async (t) => {
    const { s } = await single(t, compressed(encoding));
    const raw = await rawChat(s);
    assert.equal(raw.result?.status, 200);
    assert.equal(raw.result?.headers["content-encoding"], undefined);
    assert.equal(JSON.parse(raw.result!.text).choices[0].message.content, "fault-free answer");
    assert.deepEqual(raw.record.usage, OPENAI_USAGE);

    const sdk = await s.observe(() => s.openai.chat.completions.create({ model: MODEL, messages: USER_HI }));
    assert.equal(sdk.result?.choices[0]?.message.content, "fault-free answer");
    assert.deepEqual(sdk.result?.usage, FAKE_CHAT_USAGE);
    assert.deepEqual(sdk.record.usage, OPENAI_USAGE);
  });

  test(`a ${encoding}-compressed stream nobody asked for: decoded SSE for the client, usage counted`, async (t) => {
    const { s } = await single(t, compressed(encoding));
    const raw = await rawChat(s, true);
    assert.equal(raw.result?.status, 200);
    assert.equal(raw.result?.headers["content-encoding"], undefined);
    assert.match(String(raw.result?.headers["content-type"]), /^text\/event-stream/);
    assert.equal(raw.result!.text, chatStreamEvents(MODEL).join(""));
    assert.deepEqual(raw.record.usage, OPENAI_USAGE);

    const sdk = await streamChat(s);
    assert.equal(sdk.result?.error, undefined);
    assert.equal(chunkText(sdk.result!.chunks), STREAM_PIECES.join(""));
    assert.equal(finishReasonOf(sdk.result!.chunks), "stop");
    assert.deepEqual(sdk.record.usage, OPENAI_USAGE);
    // The SDK closes its connection as soon as it has read [DONE]; the compressor's trailer (and so
    // the upstream's end) may come after that, which the gateway rightly records as client_closed.
    assert.ok([undefined, "client_closed"].includes(sdk.record.error), String(sdk.record.error));
    assert.equal(raw.record.error, undefined, "read to its end, the stream is recorded without error");
  });
}
