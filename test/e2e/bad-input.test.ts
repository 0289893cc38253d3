import * as assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { request } from "undici";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { anthropicBackendDocs, type FakeAnthropic, startFakeAnthropic } from "../support/fake-anthropic.js";
import {
  bedrockBackendDocs,
  EXAMPLE_CREDENTIALS,
  type FakeBedrock,
  type FakeBedrockAnswer,
  type FakeBedrockCall,
  startFakeBedrock,
} from "../support/fake-bedrock.js";
import { fakeOpenAIHandler, startFakeOpenAI } from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelMatches,
  openAIBackendDocs,
  routeDoc,
} from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { type RawResponse, sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Bad input from either side, over HTTP, found by fuzzing the gateway: no client body may reach a
 * 500, and no malformed upstream answer may crash a translator or end as an empty 200.
 * - JSON nested 8,000 levels deep: 400 on every translating pair and where a bodyMutation re-serialises
 *   the body (the OpenAI passthrough forwards it as it is);
 * - a model name with a lone surrogate on a Bedrock backend: 400;
 * - nulls and other non-objects where blocks, tools or tool_choice belong: 422;
 * - a model name that cannot be a header value, routed by a RegularExpression rule: the upstream's
 *   answer, with the name percent-encoded in x-ai-eg-model;
 * - 2xx answers that are not what the API promises (HTML, cut-off JSON, JSON nested too deeply, a
 *   Claude-on-Bedrock stream without one Anthropic event): 502, or an error event ending the stream;
 * - Claude on Bedrock's own Anthropic error body: relayed with its status.
 * The 400s and 502s rest on the gateway answering InvalidRequestError.status and UpstreamProtocolError
 * in the client's envelope (the attempt loop); the translators alone give the 422s and the headers.
 */

const CLAUDE_ON_BEDROCK = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const ANTHROPIC_KEY = "sk-ant-upstream";
const DEEP = "[".repeat(8000) + "]".repeat(8000);

let openaiUpstream: RecordingUpstream;
let anthropicUpstream: FakeAnthropic;
let bedrock: FakeBedrock;
let gateway: TestGateway;
let bedrockAnswer: ((call: FakeBedrockCall) => FakeBedrockAnswer) | undefined;

before(async () => {
  openaiUpstream = await startFakeOpenAI();
  anthropicUpstream = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  bedrock = await startFakeBedrock({
    credentials: EXAMPLE_CREDENTIALS,
    answer: (call) => bedrockAnswer?.(call) ?? defaultBedrockAnswer(call),
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("openai", openaiUpstream.url),
      openAIBackendDocs("mutated", openaiUpstream.url, {
        bodyMutation: { set: [{ path: "service_tier", value: '"flex"' }] },
      }),
      anthropicBackendDocs("anthropic", anthropicUpstream.url, { apiKey: ANTHROPIC_KEY }),
      bedrockBackendDocs("converse", bedrock, { credentials: EXAMPLE_CREDENTIALS }),
      bedrockBackendDocs("invoke", bedrock, {
        schema: { name: "AWSAnthropic" },
        credentials: EXAMPLE_CREDENTIALS,
      }),
      routeDoc("main", {
        rules: [
          { matches: [modelMatches("openai-[\\s\\S]*")], backendRefs: [{ name: "openai" }] },
          { matches: [modelMatches("mutated-[\\s\\S]*")], backendRefs: [{ name: "mutated" }] },
          { matches: [modelMatches("anthropic-[\\s\\S]*")], backendRefs: [{ name: "anthropic" }] },
          {
            matches: [modelMatches("converse-[\\s\\S]*")],
            backendRefs: [{ name: "converse", modelNameOverride: CLAUDE_ON_BEDROCK }],
          },
          {
            matches: [modelMatches("invoke-[\\s\\S]*")],
            backendRefs: [{ name: "invoke", modelNameOverride: CLAUDE_ON_BEDROCK }],
          },
          // No override: the client's model name itself goes into the Bedrock path.
          { matches: [modelMatches("raw-converse-[\\s\\S]*")], backendRefs: [{ name: "converse" }] },
          { matches: [modelMatches("raw-invoke-[\\s\\S]*")], backendRefs: [{ name: "invoke" }] },
        ],
      }),
    ),
  );
});

afterEach(() => {
  openaiUpstream.setHandler(fakeOpenAIHandler);
  bedrockAnswer = undefined;
});

after(async () => {
  await gateway?.close();
  await openaiUpstream?.close();
  await anthropicUpstream?.close();
  await bedrock?.close();
});

function defaultBedrockAnswer(call: FakeBedrockCall): FakeBedrockAnswer {
  if (call.operation === "converse") {
    return {
      json: {
        output: { message: { role: "assistant", content: [{ text: "Hello from Bedrock." }] } },
        stopReason: "end_turn",
        usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
      },
    };
  }
  if (call.operation === "count-tokens") return { json: { inputTokens: call.countTokens?.inputTokens } };
  return {
    json: {
      id: "msg_bdrk_1",
      type: "message",
      role: "assistant",
      model: "claude",
      content: [{ type: "text", text: "Hello from Claude on Bedrock." }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 4 },
    },
  };
}

/** Every upstream request any fake received, to check that a refused request reached none. */
function upstreamCount(): number {
  return openaiUpstream.requests.length + anthropicUpstream.requests.length + bedrock.requests.length;
}

/** Sends a body and returns the answer, the record it produced and how many upstream requests it made. */
async function exchange(
  path: string,
  body: string | object,
): Promise<{ res: RawResponse; record: RequestRecord; upstreamCalls: number }> {
  const upstreamBefore = upstreamCount();
  const recordsBefore = gateway.records.length;
  const res = await sendRaw(`${gateway.url}${path}`, {
    body,
    headers: { "anthropic-version": "2023-06-01" },
  });
  const records = await gateway.waitForRecords(recordsBefore + 1);
  return { res, record: records[recordsBefore]!, upstreamCalls: upstreamCount() - upstreamBefore };
}

interface ErrorEnvelope {
  type: string;
  error: { type: string; code?: string; message: string };
}

/** The error body of `res` in the client API's envelope, checked for its status and type (if given). */
function errorOf(res: RawResponse, status: number, type: string | undefined): ErrorEnvelope["error"] {
  assert.equal(res.status, status, res.text);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  const body = JSON.parse(res.text) as ErrorEnvelope;
  assert.equal(body.type, "error");
  if (type !== undefined) assert.equal(body.error.type, type, res.text);
  if (body.error.code !== undefined) assert.equal(body.error.code, String(status));
  return body.error;
}

const CHAT = "/v1/chat/completions";
const MESSAGES = "/anthropic/v1/messages";
const COUNT_TOKENS = "/anthropic/v1/messages/count_tokens";

/**
 * The type each surface names a status with: Envoy AI Gateway's on OpenAI's (the 502's is the
 * gateway's to choose, so it is not checked), Anthropic's for the status on Anthropic's.
 */
function typeFor(path: string, status: number): string | undefined {
  if (path === CHAT || path === "/v1/embeddings") {
    return status === 400 ? "BadRequest" : status === 422 ? "UnprocessableEntity" : undefined;
  }
  return status === 502 ? "api_error" : "invalid_request_error";
}

function chatBody(model: string, extra: string): string {
  return `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${extra}}}]}`;
}

function messagesBody(model: string, extra: string, maxTokens = true): string {
  return `{"model":${JSON.stringify(model)},${maxTokens ? '"max_tokens":16,' : ""}"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":${extra}}]}`;
}

// ---- 1. JSON nested deeper than the translators walk ---------------------------------------------

const DEEP_REQUESTS: [string, string, string][] = [
  ["chat -> Bedrock Converse", CHAT, chatBody("converse-chat", DEEP)],
  ["chat -> Anthropic", CHAT, chatBody("anthropic-chat", DEEP)],
  ["chat -> Claude on Bedrock", CHAT, chatBody("invoke-chat", DEEP)],
  ["messages -> OpenAI", MESSAGES, messagesBody("openai-messages", DEEP)],
  ["messages -> Bedrock Converse", MESSAGES, messagesBody("converse-messages", DEEP)],
  ["messages -> Claude on Bedrock", MESSAGES, messagesBody("invoke-messages", DEEP)],
  ["count_tokens -> Bedrock Converse", COUNT_TOKENS, messagesBody("converse-count", DEEP, false)],
  ["count_tokens -> Claude on Bedrock", COUNT_TOKENS, messagesBody("invoke-count", DEEP, false)],
  ["embeddings -> Titan", "/v1/embeddings", `{"model":"converse-titan","input":"x","extra":${DEEP}}`],
];

for (const [name, path, body] of DEEP_REQUESTS) {
  test(`JSON nested 8,000 levels deep, ${name}: 400, upstream not called`, async () => {
    const { res, record, upstreamCalls } = await exchange(path, body);
    const error = errorOf(res, 400, typeFor(path, 400));
    assert.match(error.message, /nested more than 128 levels deep/);
    assert.equal(upstreamCalls, 0);
    assert.equal(record.status, 400);
  });
}

test("JSON nested 8,000 levels deep to the OpenAI passthrough is forwarded as sent", async () => {
  const body = chatBody("openai-deep", DEEP);
  const { res, upstreamCalls } = await exchange(CHAT, body);
  assert.equal(res.status, 200, res.text);
  assert.equal(upstreamCalls, 1);
  assert.equal(openaiUpstream.requests.at(-1)!.body.toString(), body);
});

test("JSON nested 8,000 levels deep to a passthrough with a bodyMutation: 400, as the body is re-serialised", async () => {
  const { res, upstreamCalls } = await exchange(CHAT, chatBody("mutated-deep", DEEP));
  assert.match(errorOf(res, 400, "BadRequest").message, /nested more than 128 levels deep/);
  assert.equal(upstreamCalls, 0);
  const shallow = await exchange(CHAT, chatBody("mutated-shallow", "{}"));
  assert.equal(shallow.res.status, 200, shallow.res.text);
  assert.equal(JSON.parse(openaiUpstream.requests.at(-1)!.body.toString()).service_tier, "flex");
});

test("JSON nested 128 levels deep is still translated", async () => {
  // The body's own levels (body, tools, a tool, function) count: 124 more make 128.
  const nested = "[".repeat(124) + "]".repeat(124);
  const { res, upstreamCalls } = await exchange(CHAT, chatBody("converse-at-limit", nested));
  assert.notEqual(res.status, 400, res.text);
  assert.equal(upstreamCalls, 1);
});

// ---- 2. A model name Bedrock's path cannot hold ----------------------------------------------------

for (const [path, body] of [
  [CHAT, '{"model":"raw-converse-\\ud800","messages":[{"role":"user","content":"hi"}]}'],
  [MESSAGES, '{"model":"raw-invoke-\\udc00x","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'],
  [COUNT_TOKENS, '{"model":"raw-converse-\\ud83d","messages":[{"role":"user","content":"hi"}]}'],
] as const) {
  test(`a lone surrogate in the model on a Bedrock backend (${path}): 400, not 500`, async () => {
    const { res, upstreamCalls } = await exchange(path, body);
    const error = errorOf(res, 400, typeFor(path, 400));
    assert.match(error.message, /lone surrogate/);
    assert.equal(upstreamCalls, 0);
  });
}

// ---- 3. Non-objects where objects belong -----------------------------------------------------------

const NOT_OBJECTS: [string, string, Record<string, unknown>][] = [
  ["tools: [null], messages -> Converse", MESSAGES, { model: "converse-m", max_tokens: 5, tools: [null] }],
  ["tools: [null], count_tokens -> Converse", COUNT_TOKENS, { model: "converse-c", tools: [null] }],
  ["tools: [7], messages -> Converse", MESSAGES, { model: "converse-m", max_tokens: 5, tools: [7] }],
  [
    'tool_choice: "auto", messages -> Converse',
    MESSAGES,
    { model: "converse-m", max_tokens: 5, tools: [{ name: "f", input_schema: {} }], tool_choice: "auto" },
  ],
  ["messages: [null], messages -> OpenAI", MESSAGES, { model: "openai-m", max_tokens: 5, messages: [null] }],
  [
    "content: [null], messages -> OpenAI",
    MESSAGES,
    { model: "openai-m", max_tokens: 5, messages: [{ role: "assistant", content: [null] }] },
  ],
  ["system: [null], messages -> Converse", MESSAGES, { model: "converse-m", max_tokens: 5, system: [null] }],
  [
    "a block type that cannot be printed, messages -> OpenAI",
    MESSAGES,
    { model: "openai-m", max_tokens: 5, messages: [{ role: "user", content: [{ type: { toString: 1 } }] }] },
  ],
  ["tools: [null], chat -> Anthropic", CHAT, { model: "anthropic-c", tools: [null] }],
  [
    "tool_choice: 5, chat -> Converse",
    CHAT,
    { model: "converse-c", tools: [{ type: "function", function: { name: "f" } }], tool_choice: 5 },
  ],
  ["messages: [null], chat -> Claude on Bedrock", CHAT, { model: "invoke-c", messages: [null] }],
  [
    "a malformed data URI, chat -> Anthropic",
    CHAT,
    {
      model: "anthropic-c",
      messages: [
        { role: "user", content: [{ type: "file", file: { file_data: "data:image/png,%E0%A4%A" } }] },
      ],
    },
  ],
];

for (const [name, path, patch] of NOT_OBJECTS) {
  test(`${name}: 422, not 500`, async () => {
    const body = { messages: [{ role: "user", content: "hi" }], ...patch };
    const { res, record, upstreamCalls } = await exchange(path, body);
    errorOf(res, 422, typeFor(path, 422));
    assert.equal(upstreamCalls, 0);
    assert.equal(record.status, 422);
  });
}

// ---- 4. Model names that cannot be a header value -------------------------------------------------

test("model names that cannot be a header value get the upstream's answer, the name percent-encoded", async () => {
  const client = new OpenAI({ apiKey: "k", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const names: [string, string][] = [
    ["openai-模型", "openai-%E6%A8%A1%E5%9E%8B"],
    ["openai-a\u2028b", "openai-a%E2%80%A8b"],
    ["openai-tab\tnul\u0000", "openai-tab%09nul%00"],
    ["openai-\ud800", "openai-%EF%BF%BD"],
    ["openai-plain-ascii:v1", "openai-plain-ascii:v1"],
  ];
  for (const [model, header] of names) {
    const before = openaiUpstream.requests.length;
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(completion.object, "chat.completion", model);
    assert.equal(openaiUpstream.requests.length, before + 1);
    assert.equal(openaiUpstream.requests.at(-1)!.headers["x-ai-eg-model"], header);
  }
});

// ---- 5. Claude on Bedrock: streams without an event, Anthropic error bodies ----------------------

/** A streamed answer read whole over raw HTTP, however it ends (undici may see the cut as an error). */
async function streamOutcome(path: string, body: object): Promise<{ status: number; text: string }> {
  const recordsBefore = gateway.records.length;
  const res = await request(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
  let text = "";
  try {
    for await (const chunk of res.body) text += (chunk as Buffer).toString("utf8");
  } catch (err) {
    text += `\n<cut: ${(err as Error).message}>`;
  }
  await gateway.waitForRecords(recordsBefore + 1);
  return { status: res.statusCode, text };
}

/** A failed stream: 502 in the envelope if nothing was sent, else an error event ends the stream. */
function assertFailedStream(outcome: { status: number; text: string }, path: string): void {
  if (outcome.status === 502) {
    errorOf(
      { status: 502, headers: { "content-type": "application/json" }, text: outcome.text, chunkCount: 1 },
      502,
      typeFor(path, 502),
    );
    return;
  }
  assert.equal(outcome.status, 200, outcome.text);
  assert.doesNotMatch(outcome.text, /<cut:/, "the stream ends with an error event, not a cut connection");
  if (path === MESSAGES) {
    assert.match(outcome.text, /event: error\ndata: \{"type":"error"/);
    assert.doesNotMatch(outcome.text, /message_stop/);
  } else {
    assert.match(outcome.text, /data: \{"error":/);
    assert.doesNotMatch(outcome.text, /\[DONE\]/);
  }
}

const NO_EVENT_STREAM: FakeBedrockAnswer = {
  events: [
    ["chunk", { bytes: Buffer.from("not an event").toString("base64"), p: "abc" }],
    ["chunk", { bytes: Buffer.from('{"no":"type"}').toString("base64") }],
    ["somethingElse", { bytes: Buffer.from('{"type":"message_start"}').toString("base64") }],
  ],
};

for (const path of [MESSAGES, CHAT]) {
  test(`a Claude-on-Bedrock stream without one Anthropic event (${path}): 502 or an error event, not an empty 200`, async () => {
    bedrockAnswer = (call) =>
      call.operation === "invoke-with-response-stream" ? NO_EVENT_STREAM : defaultBedrockAnswer(call);
    const body =
      path === MESSAGES
        ? {
            model: "invoke-stream",
            max_tokens: 16,
            stream: true,
            messages: [{ role: "user", content: "hi" }],
          }
        : { model: "invoke-stream", stream: true, messages: [{ role: "user", content: "hi" }] };
    assertFailedStream(await streamOutcome(path, body), path);
  });
}

test("Claude on Bedrock's own Anthropic error body (no x-amzn-errortype) is relayed with its status", async () => {
  const overloaded =
    '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}';
  bedrockAnswer = () => ({ status: 529, contentType: "application/json", raw: overloaded });
  const { res } = await exchange(MESSAGES, {
    model: "invoke-overloaded",
    max_tokens: 5,
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(res.status, 529);
  assert.equal(res.text, overloaded);

  const client = new Anthropic({ apiKey: "k", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
  await assert.rejects(
    client.messages.create({
      model: "invoke-overloaded",
      max_tokens: 5,
      messages: [{ role: "user", content: "hi" }],
    }),
    (err: unknown) =>
      err instanceof Anthropic.APIError && err.status === 529 && /Overloaded/.test(err.message),
  );
  const chat = await exchange(CHAT, {
    model: "invoke-overloaded",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(errorOf(chat.res, 529, "overloaded_error").message, "Overloaded");
});

// ---- 6. 2xx answers that are not what the API promises ----------------------------------------------

const NOT_JSON_ANSWERS = [
  "<html><body><h1>Welcome to nginx!</h1></body></html>",
  '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"content":"Hel',
  "",
];

for (const answer of NOT_JSON_ANSWERS) {
  test(`a 2xx answer that is not JSON (${JSON.stringify(answer.slice(0, 20))}): 502 on passthrough and translation`, async () => {
    openaiUpstream.setHandler((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer);
    });
    const passthrough = await exchange(CHAT, {
      model: "openai-garbage",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.match(errorOf(passthrough.res, 502, typeFor(CHAT, 502)).message, /not a JSON object/);
    assert.equal(passthrough.record.status, 502);
    const translated = await exchange(MESSAGES, {
      model: "openai-garbage",
      max_tokens: 5,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.match(errorOf(translated.res, 502, "api_error").message, /not a JSON object/);
  });
}

test("a 2xx answer nested 8,000 levels deep from a hostile upstream: 502, not a crash", async () => {
  openaiUpstream.setHandler((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"x","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}],"extra":${DEEP}}`,
    );
  });
  const { res } = await exchange(MESSAGES, {
    model: "openai-deep-answer",
    max_tokens: 5,
    messages: [{ role: "user", content: "hi" }],
  });
  assert.match(errorOf(res, 502, "api_error").message, /nests JSON more than 128 levels deep/);
  // The same answer passes through to an OpenAI client as the upstream sent it: nothing walks it.
  const passthrough = await exchange(CHAT, {
    model: "openai-deep-answer",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(passthrough.res.status, 200);
});
