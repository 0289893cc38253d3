import * as assert from "node:assert/strict";
import { Agent } from "node:http";
import { after, afterEach, before, test } from "node:test";
import { fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import {
  type RecordingUpstream,
  startRecordingUpstream,
  type UpstreamHandler,
} from "../support/recording-upstream.js";
import { sseDataPayloads } from "../support/sse-events.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { postStreaming, socketClosed, tryConnect } from "../support/streaming-post.js";

/**
 * RunningGateway.drain() in process: the listening socket and idle connections close at once, /ready
 * turns 503 while /health answers, streams in flight run to their end, a request arriving on a
 * connection still open is answered with `connection: close`, and what outlives the deadline is cut.
 * The upstream holds each stream after its first chunk until the test releases it.
 */

const MODEL = "gpt-test";
const STREAM = { model: MODEL, messages: [{ role: "user", content: "Hi" }], stream: true };
const PLAIN = { model: MODEL, messages: [{ role: "user", content: "Hi" }] };

let upstream: RecordingUpstream;
/** Releases of the streams the upstream holds, oldest first. */
const held: (() => void)[] = [];
let gateway: TestGateway | undefined;
const agents: Agent[] = [];

function chunk(content: string): string {
  const delta = { index: 0, delta: { content }, logprobs: null, finish_reason: null };
  return `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: MODEL, choices: [delta] })}\n\n`;
}

/** Streams: the first chunk, then the rest once released. Anything else: the fake OpenAI answer. */
const holdStreams: UpstreamHandler = async (req, res) => {
  if (JSON.parse(req.body.toString("utf8")).stream !== true) return fakeOpenAIHandler(req, res);
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.write(chunk("first"));
  await new Promise<void>((resolve) => held.push(resolve));
  if (res.destroyed) return;
  res.write(chunk(" second"));
  res.end("data: [DONE]\n\n");
};

before(async () => {
  upstream = await startRecordingUpstream(holdStreams);
});

afterEach(async () => {
  for (const release of held.splice(0)) release();
  for (const agent of agents.splice(0)) agent.destroy();
  await gateway?.close();
  gateway = undefined;
});

after(() => upstream.close());

async function start(): Promise<TestGateway> {
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("up", upstream.url),
      routeDoc("r", { rules: [{ matches: [modelIs(MODEL)], backendRefs: [{ name: "up" }] }] }),
    ),
  );
  return gateway;
}

function keepAliveAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
}

async function waitForHeld(count: number): Promise<void> {
  for (let i = 0; held.length < count; i++) {
    if (i > 200) throw new Error(`expected ${count} held streams, got ${held.length}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function adminStatus(gw: TestGateway, path: string): Promise<number> {
  const res = await fetch(`${gw.gateway.adminUrl}${path}`);
  await res.arrayBuffer();
  return res.status;
}

test("drain: refuses new connections, closes idle ones, finishes streams in flight, answers reuse with connection: close", async () => {
  const gw = await start();
  const idle = keepAliveAgent();
  const warmup = postStreaming(`${gw.url}/v1/chat/completions`, PLAIN, idle);
  assert.equal((await warmup.done).status, 200);
  const idleSocket = await warmup.socket;

  const reused = keepAliveAgent();
  const first = postStreaming(`${gw.url}/v1/chat/completions`, STREAM, reused);
  const second = postStreaming(`${gw.url}/v1/chat/completions`, STREAM, keepAliveAgent());
  await Promise.all([first.firstBytes, second.firstBytes]);
  await waitForHeld(2);
  assert.equal(gw.gateway.inFlight(), 2);
  assert.equal(await adminStatus(gw, "/ready"), 200);

  const drained = gw.gateway.drain(5000);
  assert.equal(await adminStatus(gw, "/ready"), 503);
  assert.equal(await adminStatus(gw, "/health"), 200);
  assert.equal(await tryConnect(gw.gateway.port), "ECONNREFUSED");
  await socketClosed(idleSocket);

  held.shift()!();
  const firstOutcome = await first.done;
  assert.equal(firstOutcome.complete, true);
  assert.deepEqual(sseDataPayloads(firstOutcome.text).slice(-1), ["[DONE]"]);
  assert.equal(sseDataPayloads(firstOutcome.text).length, 3);

  // The stream's connection is still open: a request on it is answered, and told to go elsewhere.
  const onReused = await postStreaming(`${gw.url}/v1/chat/completions`, PLAIN, reused).done;
  assert.equal(onReused.reusedSocket, true);
  assert.equal(onReused.status, 200);
  assert.equal(onReused.headers.connection, "close");

  held.shift()!();
  const secondOutcome = await second.done;
  assert.equal(secondOutcome.complete, true);
  assert.deepEqual(sseDataPayloads(secondOutcome.text).slice(-1), ["[DONE]"]);
  assert.deepEqual(await drained, { forced: 0 });
  assert.equal(gw.gateway.inFlight(), 0);
  await assert.rejects(fetch(`${gw.gateway.adminUrl}/health`));
});

test("drain: a stream past the deadline is cut and counted", async () => {
  const gw = await start();
  const stream = postStreaming(`${gw.url}/v1/chat/completions`, STREAM);
  await stream.firstBytes;
  const started = performance.now();
  const result = await gw.gateway.drain(300);
  const elapsed = performance.now() - started;
  assert.deepEqual(result, { forced: 1 });
  assert.ok(elapsed >= 250 && elapsed < 2000, `drained after ${elapsed} ms`);
  const outcome = await stream.done;
  assert.equal(outcome.complete, false);
  assert.ok(!outcome.text.includes("[DONE]"));
});

test("drain: a second call cuts at once and resolves with the same result", async () => {
  const gw = await start();
  const stream = postStreaming(`${gw.url}/v1/chat/completions`, STREAM);
  await stream.firstBytes;
  const started = performance.now();
  const first = gw.gateway.drain(60_000);
  const again = gw.gateway.drain(0);
  assert.deepEqual(await again, { forced: 1 });
  assert.deepEqual(await first, { forced: 1 });
  assert.ok(performance.now() - started < 2000);
  assert.equal((await stream.done).complete, false);
});

test("drain: a response not yet started when the drain begins is sent with connection: close", async () => {
  const gw = await start();
  upstream.setHandler(async (req, res) => {
    await new Promise<void>((resolve) => held.push(resolve));
    fakeOpenAIHandler(req, res);
  });
  try {
    const call = postStreaming(`${gw.url}/v1/chat/completions`, PLAIN, keepAliveAgent());
    await waitForHeld(1);
    const drained = gw.gateway.drain(5000);
    held.shift()!();
    const outcome = await call.done;
    assert.equal(outcome.status, 200);
    assert.equal(outcome.headers.connection, "close");
    assert.deepEqual(await drained, { forced: 0 });
  } finally {
    upstream.setHandler(holdStreams);
  }
});
