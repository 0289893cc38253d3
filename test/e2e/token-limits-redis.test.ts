import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { FAKE_CHAT_USAGE, startFakeOpenAI } from "../support/fake-openai-server.js";
import {
  configYaml,
  gatewayDocs,
  modelIs,
  openAIBackendDocs,
  rateLimitPolicyDoc,
  routeDoc,
  tokenCost,
} from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { startThrowawayRedis, type ThrowawayRedis } from "../support/redis-server.js";
import { cleanEnv, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";

/**
 * Replicas sharing one budget in Redis: two `aigw run --redis` processes (and a third that fails
 * closed) against a redis-server of the test's own, which is killed and started again mid-test.
 * Each tenant may spend three answers' worth of total tokens (3 x 14) an hour.
 */

const TOTAL = FAKE_CHAT_USAGE.total_tokens;
const BUDGET = TOTAL * 3;

let redis: ThrowawayRedis;
let upstream: RecordingUpstream;
let gateways: ServingAigw[] = [];
let closed: ServingAigw;

before(async () => {
  redis = await startThrowawayRedis();
  upstream = await startFakeOpenAI();
  const dir = mkdtempSync(join(tmpdir(), "aigw-redis-"));
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("up", upstream.url),
      routeDoc("shared", {
        rules: [{ matches: [modelIs("gpt-shared")], backendRefs: [{ name: "up" }] }],
        llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
      }),
      rateLimitPolicyDoc("tenant-budget", { route: "shared" }, [
        {
          clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
          limit: { requests: BUDGET, unit: "Hour" },
          cost: tokenCost("llm_total_token"),
        },
      ]),
    ),
  );
  const args = (...extra: string[]) => [
    config,
    "--port",
    "0",
    "--admin-port",
    "0",
    "--host",
    "127.0.0.1",
    "--no-access-log",
    "--redis",
    redis.url,
    ...extra,
  ];
  gateways = await Promise.all([serveAigw(args(), cleanEnv()), serveAigw(args(), cleanEnv())]);
  closed = await serveAigw(args("--redis-fail", "closed"), cleanEnv());
});

after(async () => {
  await Promise.all([...gateways, closed].filter(Boolean).map((g) => g.stop()));
  await upstream?.close();
  await redis?.kill();
});

function client(gateway: ServingAigw, tenant: string): OpenAI {
  return new OpenAI({
    apiKey: "sk-client",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-tenant": tenant },
  });
}

async function ask(gateway: ServingAigw, tenant: string): Promise<number> {
  try {
    const { response } = await client(gateway, tenant)
      .chat.completions.create({ model: "gpt-shared", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    return response.status;
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return err.status;
    throw err;
  }
}

/** Charges reach Redis just after the answer (one pipelined round trip): wait for them to land. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("two replicas enforce one budget: three answers in all, alternating, then 429 from either", async () => {
  const [a, b] = gateways as [ServingAigw, ServingAigw];
  assert.equal(await ask(a, "acme"), 200);
  await settle();
  assert.equal(await ask(b, "acme"), 200);
  await settle();
  assert.equal(await ask(a, "acme"), 200);
  await settle();
  assert.equal(await ask(b, "acme"), 429);
  assert.equal(await ask(a, "acme"), 429);
  assert.equal(await ask(b, "globex"), 200, "another tenant has its own budget");
});

test("Redis down: replicas fail open (one log line per outage), --redis-fail closed answers 503; Redis back: charges made meanwhile are flushed and limits apply again", async () => {
  const [a, b] = gateways as [ServingAigw, ServingAigw];
  await redis.kill();
  const started = Date.now();
  // Two answers for "initech" during the outage (28 of its 42 tokens), one on each replica.
  assert.equal(await ask(a, "initech"), 200);
  assert.equal(await ask(b, "initech"), 200);
  for (let i = 0; i < 3; i++) assert.equal(await ask(a, "other"), 200);
  assert.ok(Date.now() - started < 5000, "failing open does not hold requests");
  assert.equal(await ask(closed, "initech"), 503);
  for (const g of [a, b]) {
    const outages = g.stderr().match(/redis unreachable/g) ?? [];
    assert.equal(outages.length, 1, `one outage line, got:\n${g.stderr()}`);
  }

  await redis.restart();
  await waitFor(
    "both replicas to see Redis again",
    () => [a, b].every((g) => /redis reachable again/.test(g.stderr())),
    15_000,
  );
  await settle();
  // initech's outage charges (2 x 14) were flushed: one more answer fits, then the budget is spent.
  assert.equal(await ask(b, "initech"), 200);
  await settle();
  assert.equal(await ask(a, "initech"), 429);
  assert.equal(await ask(closed, "hooli"), 200, "the fail-closed replica serves again too");
});
