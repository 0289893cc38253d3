import * as assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, afterEach, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI from "openai";
import { request } from "undici";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { emptyUsage } from "../../src/usage/token-usage.js";
import { fakeOpenAIHandler, startFakeOpenAI } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * What clients get when something goes wrong, on the gateway's side or the upstream's: Envoy AI
 * Gateway's OpenAI error envelope {"type":"error","error":{"type","code","message"}} for JSON errors, its
 * plain-text 404s, untouched OpenAI errors from OpenAI backends, and upstream cancellation.
 */

const BUFFER_LIMIT_BYTES = 64 * 1024;
const NO_ROUTE =
  "No matching route found. It is likely because the model specified in your request is not configured in the Gateway.";

let upstream: RecordingUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startFakeOpenAI();
  const config = configYaml(
    gatewayDocs({ bufferLimit: "64Ki" }),
    openAIBackendDocs("fake", upstream.url),
    openAIBackendDocs("closed", `http://127.0.0.1:${await closedPort()}`),
    routeDoc("main", {
      rules: [
        { matches: [modelIs("gpt-test")], backendRefs: [{ name: "fake" }] },
        { matches: [modelIs("down-model")], backendRefs: [{ name: "closed" }] },
      ],
    }),
  );
  gateway = await startTestGateway(config);
});

afterEach(() => upstream.setHandler(fakeOpenAIHandler));

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** A port nothing listens on: bound once to learn a free number, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends a request and returns the answer with the record it produced; counts upstream requests too. */
async function exchange(
  path: string,
  body: string | object,
  headers: Record<string, string> = {},
): Promise<{ res: Awaited<ReturnType<typeof sendRaw>>; record: RequestRecord; upstreamCalls: number }> {
  const upstreamBefore = upstream.requests.length;
  const recordsBefore = gateway.records.length;
  const res = await sendRaw(`${gateway.url}${path}`, { body, headers });
  const records = await gateway.waitForRecords(recordsBefore + 1);
  return { res, record: records[recordsBefore]!, upstreamCalls: upstream.requests.length - upstreamBefore };
}

interface Envelope {
  type: string;
  error: { type: string; code: string; message: string };
}

function parseEnvelope(text: string): Envelope {
  const body = JSON.parse(text) as Envelope;
  assert.equal(body.type, "error");
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "type"]);
  return body;
}

test("malformed JSON: 400 BadRequest envelope naming the path", async () => {
  for (const path of ["/v1/chat/completions", "/v1/embeddings"]) {
    const { res, record, upstreamCalls } = await exchange(path, '{"model": "gpt-test", "messages": [');
    assert.equal(res.status, 400);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    const { error } = parseEnvelope(res.text);
    assert.equal(error.type, "BadRequest");
    assert.equal(error.code, "400");
    const prefix = `malformed request: failed to parse JSON for ${path}: `;
    assert.ok(
      error.message.startsWith(prefix),
      `message ${JSON.stringify(error.message)} starts with ${prefix}`,
    );
    assert.ok(error.message.length > prefix.length, "the parser's reason follows the prefix");
    assert.equal(upstreamCalls, 0);
    assert.equal(record.status, 400);
    assert.deepEqual(record.usage, emptyUsage());
  }
});

test("missing model: 400 in the OpenAI envelope, upstream not called", async () => {
  const { res, record, upstreamCalls } = await exchange("/v1/chat/completions", {
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(res.status, 400, res.text);
  const { error } = parseEnvelope(res.text);
  assert.equal(error.code, "400");
  assert.ok(error.message.length > 0);
  assert.equal(upstreamCalls, 0);
  assert.equal(record.status, 400);
});

test("body over the ClientTrafficPolicy bufferLimit: 413 in the OpenAI envelope", async () => {
  const big = JSON.stringify({
    model: "gpt-test",
    messages: [{ role: "user", content: "x".repeat(BUFFER_LIMIT_BYTES + 1024) }],
  });
  const { res, record, upstreamCalls } = await exchange("/v1/chat/completions", big);
  assert.equal(res.status, 413, res.text);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  const { error } = parseEnvelope(res.text);
  assert.equal(error.code, "413");
  assert.equal(upstreamCalls, 0);
  assert.equal(record.status, 413);

  // Just under the limit still goes through: the limit is the configured one, not some default.
  const fits = JSON.stringify({
    model: "gpt-test",
    messages: [{ role: "user", content: "x".repeat(BUFFER_LIMIT_BYTES - 1024) }],
  });
  const ok = await exchange("/v1/chat/completions", fits);
  assert.equal(ok.res.status, 200, ok.res.text);
});

test("unknown path: 404 plain text 'unsupported path: <path>'", async () => {
  // No request record is asked for: a record names a client API, and an unknown path has none.
  const upstreamBefore = upstream.requests.length;
  const res = await sendRaw(`${gateway.url}/v1/unknown/thing`, { body: { model: "gpt-test" } });
  assert.equal(res.status, 404);
  assert.match(String(res.headers["content-type"]), /^text\/plain/);
  assert.equal(res.text, "unsupported path: /v1/unknown/thing");
  assert.equal(upstream.requests.length, upstreamBefore);
});

test("no matching route: 404 in the OpenAI envelope with code model_not_found, seen by the SDK as NotFound", async () => {
  const { res, record, upstreamCalls } = await exchange("/v1/chat/completions", {
    model: "not-configured",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(res.status, 404);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  assert.deepEqual(JSON.parse(res.text), {
    type: "error",
    error: { type: "NotFound", code: "model_not_found", message: NO_ROUTE },
  });
  assert.equal(upstreamCalls, 0);
  assert.equal(record.status, 404);
  assert.equal(record.error, "no_route");
  assert.equal(record.originalModel, "not-configured");
  assert.equal(record.route, undefined);

  const client = new OpenAI({ apiKey: "k", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: "not-configured", messages: [{ role: "user", content: "Hi" }] }),
    (err: unknown) =>
      err instanceof OpenAI.NotFoundError && err.status === 404 && err.code === "model_not_found",
  );
});

test("no matching route on the Anthropic surface: 404 not_found_error with upstream's message", async () => {
  const { res, upstreamCalls } = await exchange("/v1/messages", {
    model: "not-configured",
    max_tokens: 10,
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(res.status, 404);
  assert.deepEqual(JSON.parse(res.text), {
    type: "error",
    error: { type: "not_found_error", message: NO_ROUTE },
  });
  assert.equal(upstreamCalls, 0);
});

test("upstream unreachable: 503 in the OpenAI envelope", async () => {
  const { res, record } = await exchange("/v1/chat/completions", {
    model: "down-model",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(res.status, 503, res.text);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  const { error } = parseEnvelope(res.text);
  assert.equal(error.code, "503");
  assert.equal(record.status, 503);
  assert.equal(record.backend, "default/closed");
  assert.equal(record.error, "upstream_unreachable");
  assert.deepEqual(record.usage, emptyUsage());
});

test("upstream non-JSON error: same status, wrapped as OpenAIBackendError with the body as message", async () => {
  const html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
  upstream.setHandler((_req, res) => {
    res.writeHead(502, { "content-type": "text/html" });
    res.end(html);
  });
  const { res, record } = await exchange("/v1/chat/completions", {
    model: "gpt-test",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(res.status, 502);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  assert.deepEqual(JSON.parse(res.text), {
    type: "error",
    error: { type: "OpenAIBackendError", code: "502", message: html },
  });
  assert.equal(record.status, 502);
  assert.deepEqual(record.usage, emptyUsage());
});

test("upstream OpenAI JSON error: passed through untouched", async () => {
  // Unusual spacing on purpose: a re-serialised body would not match byte for byte.
  const openAIError =
    '{\n    "error": {\n        "message": "Rate limit reached",\n        "type": "requests",\n        "param": null,\n        "code": "rate_limit_exceeded"\n    }\n}\n';
  upstream.setHandler((_req, res) => {
    res.writeHead(429, { "content-type": "application/json; charset=utf-8" });
    res.end(openAIError);
  });
  const { res, record } = await exchange("/v1/chat/completions", {
    model: "gpt-test",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(res.status, 429);
  assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
  assert.equal(res.text, openAIError);
  assert.equal(record.status, 429);
  assert.deepEqual(record.usage, emptyUsage());
});

test("a client that disconnects mid-stream cancels the upstream request", async () => {
  // An endless stream: one event every 20 ms until the gateway hangs up (or 10 s pass).
  upstream.setHandler(async (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (let i = 0; i < 500 && !res.destroyed; i++) {
      res.write(
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-test", choices: [{ index: 0, delta: { content: `t${i}` }, finish_reason: null }] })}\n\n`,
      );
      await sleep(20);
    }
    res.end("data: [DONE]\n\n");
  });
  const recordsBefore = gateway.records.length;
  const upstreamBefore = upstream.requests.length;
  const controller = new AbortController();
  const res = await request(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "Hi" }], stream: true }),
    signal: controller.signal,
  });
  assert.equal(res.statusCode, 200);
  // Wait for the first event to arrive, then hang up.
  for await (const _chunk of res.body) break;
  controller.abort();

  assert.equal(upstream.requests.length, upstreamBefore + 1);
  const outcome = await Promise.race([
    upstream.requests[upstreamBefore]!.outcome,
    sleep(3000).then(() => "still streaming after 3 s" as const),
  ]);
  assert.equal(outcome, "aborted", "the upstream sees its request closed");
  const records = await gateway.waitForRecords(recordsBefore + 1);
  assert.equal(records[recordsBefore]!.error, "client_closed");
});
