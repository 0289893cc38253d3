import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { answerText } from "../../src/sim/canned-answer.js";
import { type RunningSimulator, startSimulator } from "../../src/sim/start-simulator.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { cleanEnv, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";
import { sseJsonChunks } from "../support/sse-events.js";
import { postStreaming, tryConnect } from "../support/streaming-post.js";

/**
 * `aigw run` as a process, stopped with SIGTERM while a stream is in flight: it drains (the admin
 * /ready turns 503 while /health answers, the data port refuses new connections, the stream runs
 * to its end) and exits 0; a stream longer than --drain-timeout is cut at the deadline; a second
 * signal cuts at once. The upstream is the bundled simulator, one token per TPOT_MS.
 */

const TPOT_MS = 100;
const MODEL = "slow";
const EPHEMERAL = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--no-access-log"];

let sim: RunningSimulator;
let dir: string;
let configFile: string;

before(async () => {
  sim = await startSimulator({ ttftMs: 20, tpotMs: TPOT_MS, outputTokens: 200 });
  dir = await mkdtemp(join(tmpdir(), "aigw-drain-"));
  configFile = join(dir, "config.yaml");
  await writeFile(
    configFile,
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("sim", sim.url),
      routeDoc("r", { rules: [{ matches: [modelIs(MODEL)], backendRefs: [{ name: "sim" }] }] }),
    ),
  );
});

after(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A streamed chat completion of `tokens` tokens (about tokens x TPOT_MS long). */
function stream(aigw: ServingAigw, tokens: number) {
  return postStreaming(`${aigw.url}/v1/chat/completions`, {
    model: MODEL,
    messages: [{ role: "user", content: "Tell me a story" }],
    stream: true,
    max_tokens: tokens,
  });
}

async function waitForStderr(aigw: ServingAigw, pattern: RegExp, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!pattern.test(aigw.stderr())) {
    if (performance.now() > deadline) throw new Error(`no ${pattern} on stderr:\n${aigw.stderr()}`);
    await sleep(10);
  }
}

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** The content the stream's chunks carry, joined. */
function streamedText(body: string): string {
  return sseJsonChunks(body)
    .map((c) => (c.choices as { delta?: { content?: string } }[])[0]?.delta?.content ?? "")
    .join("");
}

test("SIGTERM: /ready turns 503, new connections are refused, the stream in flight finishes, exit 0", async () => {
  const aigw = await serveAigw([configFile, ...EPHEMERAL], cleanEnv());
  const tokens = 15;
  const call = stream(aigw, tokens);
  await call.firstBytes;
  assert.equal(await status(`${aigw.adminUrl}/ready`), 200);

  const exited = aigw.stop();
  await waitForStderr(aigw, /SIGTERM: draining/);
  assert.equal(await status(`${aigw.adminUrl}/ready`), 503);
  assert.equal(await status(`${aigw.adminUrl}/health`), 200);
  assert.equal(await tryConnect(portOf(aigw.url)), "ECONNREFUSED");

  const outcome = await call.done;
  assert.equal(outcome.status, 200);
  assert.equal(outcome.complete, true);
  assert.ok(outcome.text.endsWith("data: [DONE]\n\n"), outcome.text.slice(-200));
  assert.equal(streamedText(outcome.text), answerText(tokens));
  assert.equal(await exited, 0, aigw.stderr());
  assert.match(aigw.stderr(), /aigw: drained, exiting/);
});

test("--drain-timeout 1s: a longer stream is cut at the deadline and the process still exits 0", async () => {
  const aigw = await serveAigw([configFile, ...EPHEMERAL, "--drain-timeout", "1s"], cleanEnv());
  const call = stream(aigw, 60);
  await call.firstBytes;
  const signalled = performance.now();
  const exited = aigw.stop();
  const outcome = await call.done;
  const cutAfter = performance.now() - signalled;
  assert.equal(outcome.complete, false);
  assert.ok(!outcome.text.includes("[DONE]"));
  assert.ok(cutAfter >= 900 && cutAfter < 2500, `cut ${cutAfter} ms after SIGTERM`);
  assert.equal(await exited, 0, aigw.stderr());
  assert.ok(performance.now() - signalled < 3000, "exited soon after the deadline");
  assert.match(aigw.stderr(), /drain deadline: cut 1 request still in flight/);
});

test("a second SIGTERM during the drain cuts what is left and exits 0 at once", async () => {
  const aigw = await serveAigw([configFile, ...EPHEMERAL, "--drain-timeout", "60"], cleanEnv());
  const call = stream(aigw, 60);
  await call.firstBytes;
  const signalled = performance.now();
  const exited = aigw.stop();
  await waitForStderr(aigw, /SIGTERM: draining \(1 in flight, up to 60 s\)/);
  aigw.child.kill("SIGTERM");
  assert.equal((await call.done).complete, false);
  assert.equal(await exited, 0, aigw.stderr());
  assert.ok(performance.now() - signalled < 2000);
  assert.match(aigw.stderr(), /SIGTERM again: cutting/);
});

test("--drain-timeout that is not a duration: exit 2 before serving", async () => {
  const aigw = serveAigw([configFile, ...EPHEMERAL, "--drain-timeout", "soon"], cleanEnv());
  await assert.rejects(aigw, /exited with 2 before listening:\n.*--drain-timeout/);
});
