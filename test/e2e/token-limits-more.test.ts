import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
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
import { chatWithResponse, openAIClient } from "../support/sdk-calls.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * More token limits through a real gateway and the openai SDK: an input-token limit, a Gateway-level
 * budget shared by two routes against a route policy counting its two routes apart, a Local request
 * limit, sourceCIDR selectors, and enforced QuotaPolicy buckets (per tenant, and a serviceQuota spent
 * by two models). One fake OpenAI upstream answers FAKE_CHAT_USAGE (9 in, 5 out, 14 total) for every
 * chat; three AIServiceBackends point at it, so each quota belongs to its own backend.
 */

const INPUT = FAKE_CHAT_USAGE.prompt_tokens;
const TOTAL = FAKE_CHAT_USAGE.total_tokens;
const COSTS = [
  { metadataKey: "llm_input_token", type: "InputToken" },
  { metadataKey: "llm_total_token", type: "TotalToken" },
];
/** The tenants' quota cost: 9 + 5 * 2 = 19 per answer. */
const TENANT_COST = FAKE_CHAT_USAGE.prompt_tokens + FAKE_CHAT_USAGE.completion_tokens * 2;

let upstream: RecordingUpstream;
let gateway: TestGateway;

/** A route of one rule per model, every model on `backend`, with the token costs. */
function routeOf(name: string, models: string[], backend = "up") {
  return routeDoc(name, {
    rules: models.map((model) => ({ matches: [modelIs(model)], backendRefs: [{ name: backend }] })),
    llmRequestCosts: COSTS,
  });
}

function quotaPolicyDoc(name: string, backend: string, spec: Record<string, unknown>) {
  return {
    apiVersion: "aigateway.envoyproxy.io/v1alpha1",
    kind: "QuotaPolicy",
    metadata: { name, namespace: "default" },
    spec: {
      targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: backend }],
      ...spec,
    },
  };
}

before(async () => {
  upstream = await startFakeOpenAI();
  // A route policy aimed at two routes: the rule counts each route apart (no `shared`).
  const perRoute = rateLimitPolicyDoc("per-route", { route: "apart-c" }, [
    { limit: { requests: TOTAL, unit: "Hour" }, cost: tokenCost("llm_total_token") },
  ]);
  (perRoute.spec as { targetRefs: unknown[] }).targetRefs.push({
    group: "gateway.networking.k8s.io",
    kind: "HTTPRoute",
    name: "apart-d",
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("up", upstream.url),
      openAIBackendDocs("tenant-up", upstream.url),
      openAIBackendDocs("service-up", upstream.url),
      routeOf("inputs", ["gpt-input"]),
      routeOf("shared-a", ["gpt-shared-a"]),
      routeOf("shared-b", ["gpt-shared-b"]),
      routeOf("apart-c", ["gpt-apart-c"]),
      routeOf("apart-d", ["gpt-apart-d"]),
      routeOf("local", ["gpt-local"]),
      routeOf("cidr", ["gpt-cidr-loopback", "gpt-cidr-ten"]),
      routeOf("tenants", ["gpt-tenant"], "tenant-up"),
      routeOf("services", ["gpt-svc-1", "gpt-svc-2"], "service-up"),
      rateLimitPolicyDoc("input-limit", { route: "inputs" }, [
        // Three answers' input tokens an hour.
        { limit: { requests: INPUT * 3, unit: "Hour" }, cost: tokenCost("llm_input_token") },
      ]),
      // Every route without its own policy falls under this one; it selects only x-budget: team.
      rateLimitPolicyDoc("gateway-budget", { gateway: true }, [
        {
          clientSelectors: [{ headers: [{ name: "x-budget", value: "team" }] }],
          limit: { requests: TOTAL * 2, unit: "Hour" },
          shared: true,
          cost: tokenCost("llm_total_token"),
        },
      ]),
      perRoute,
      // Local: request costs only (validation refuses a response cost for Local rules).
      rateLimitPolicyDoc("local-limit", { route: "local" }, [{ limit: { requests: 2, unit: "Minute" } }], {
        local: true,
      }),
      rateLimitPolicyDoc("cidr-limit", { route: "cidr" }, [
        {
          clientSelectors: [
            {
              sourceCIDR: { type: "Exact", value: "127.0.0.0/8" },
              headers: [{ name: "x-ai-eg-model", value: "gpt-cidr-loopback" }],
            },
          ],
          limit: { requests: 1, unit: "Hour" },
        },
        {
          clientSelectors: [{ sourceCIDR: { type: "Exact", value: "10.0.0.0/8" } }],
          limit: { requests: 1, unit: "Hour" },
        },
      ]),
      quotaPolicyDoc("tenant-quota", "tenant-up", {
        perModelQuotas: [
          {
            modelName: "gpt-tenant",
            quota: {
              costExpression: "input_tokens + output_tokens * 2u",
              bucketRules: [
                {
                  clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
                  // Room for two answers (0 and 19 are below 20; 38 is not).
                  quota: { limit: TENANT_COST + 1, duration: "1h" },
                },
              ],
            },
          },
        ],
      }),
      quotaPolicyDoc("service-quota", "service-up", {
        serviceQuota: { quota: { limit: TOTAL * 2, duration: "1h" } },
      }),
    ),
  );
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

const openai = (headers: Record<string, string> = {}) => openAIClient(gateway.url, headers);
const chat = chatWithResponse;

/** The x-ratelimit-remaining of an admitted answer (null when no limit applied). */
async function remaining(client: OpenAI, model: string): Promise<string | null> {
  const { response } = await chat(client, model);
  assert.equal(response.status, 200);
  return response.headers.get("x-ratelimit-remaining");
}

/**
 * A request that must be refused with 429 before reaching the upstream; returns the SDK's error and
 * the gateway's record of it.
 */
async function refused(client: OpenAI, model: string) {
  const sent = upstream.requests.length;
  const recorded = gateway.records.length;
  try {
    await chat(client, model);
  } catch (err) {
    assert.ok(err instanceof OpenAI.RateLimitError, `expected a RateLimitError, got ${String(err)}`);
    assert.equal(err.status, 429);
    assert.equal(err.headers?.get("x-ratelimit-remaining"), "0");
    assert.equal(err.headers?.get("retry-after"), err.headers?.get("x-ratelimit-reset"));
    assert.equal(upstream.requests.length, sent, "a refused request never reaches the upstream");
    const record = (await gateway.waitForRecords(recorded + 1))[recorded]!;
    return { err, record };
  }
  assert.fail(`expected ${model} to be refused`);
}

/** Waits until the current window of `windowMs` has at least `marginMs` left, so a test stays in it. */
async function awayFromWindowEnd(windowMs: number, marginMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await sleep(left + 50);
}

test("an input-token limit of 3 answers' input: three answers, each charged its 9 input tokens, then 429", async () => {
  const client = openai();
  for (let i = 1; i <= 3; i++) assert.equal(await remaining(client, "gpt-input"), String(INPUT * (4 - i)));
  const { err, record } = await refused(client, "gpt-input");
  assert.match(
    err.message,
    /BackendTrafficPolicy default\/input-limit rateLimit\.global\.rules\[0\] \(limit 27 per hour\)/,
  );
  assert.equal(err.headers?.get("x-ratelimit-limit"), String(INPUT * 3));
  assert.equal(record.error, "rate_limited");
  assert.equal(record.route, "default/inputs");
});

test("a Gateway-level shared: true budget is one bucket: route A's answers spend route B's budget", async () => {
  const team = openai({ "x-budget": "team" });
  assert.equal(await remaining(team, "gpt-shared-a"), String(TOTAL * 2));
  assert.equal(await remaining(team, "gpt-shared-b"), String(TOTAL), "B sees A's 14 tokens");
  for (const model of ["gpt-shared-a", "gpt-shared-b"]) {
    const { err } = await refused(team, model);
    assert.match(err.message, /BackendTrafficPolicy default\/gateway-budget rateLimit\.global\.rules\[0\]/);
  }
  // Outside the rule's selector the same routes are not limited at all.
  assert.equal(await remaining(openai({ "x-budget": "other" }), "gpt-shared-a"), null);
});

test("without shared, a policy aimed at two routes counts each route apart", async () => {
  const client = openai();
  assert.equal(await remaining(client, "gpt-apart-c"), String(TOTAL));
  const { err } = await refused(client, "gpt-apart-c");
  assert.match(err.message, /BackendTrafficPolicy default\/per-route rateLimit\.global\.rules\[0\]/);
  // Route D has its own bucket, untouched by C's answer.
  assert.equal(await remaining(client, "gpt-apart-d"), String(TOTAL));
  await refused(client, "gpt-apart-d");
});

test("type Local: 2 requests a minute (1 each, up front), the third is a 429 naming the local rule", async () => {
  await awayFromWindowEnd(60_000, 5_000);
  const client = openai();
  assert.equal(await remaining(client, "gpt-local"), "1");
  assert.equal(await remaining(client, "gpt-local"), "0");
  const { err, record } = await refused(client, "gpt-local");
  assert.match(
    err.message,
    /rate limit exceeded: BackendTrafficPolicy default\/local-limit rateLimit\.local\.rules\[0\] \(limit 2 per minute\)/,
  );
  assert.equal(err.headers?.get("x-ratelimit-limit"), "2");
  assert.ok(Number(err.headers?.get("retry-after")) <= 60);
  assert.equal(record.error, "rate_limited");
});

test("sourceCIDR: 127.0.0.0/8 selects the loopback client, 10.0.0.0/8 does not", async () => {
  const client = openai();
  for (let i = 0; i < 3; i++) {
    assert.equal(await remaining(client, "gpt-cidr-ten"), null, "no rule applies to 127.0.0.1 on this model");
  }
  assert.equal(await remaining(client, "gpt-cidr-loopback"), "0");
  const { err } = await refused(client, "gpt-cidr-loopback");
  assert.match(err.message, /cidr-limit rateLimit\.global\.rules\[0\]/);
});

test("QuotaPolicy bucketRules per tenant (Distinct x-tenant): tenant A's spent quota is a 429, tenant B is served", async () => {
  const tenantA = openai({ "x-tenant": "a" });
  const { response } = await chat(tenantA, "gpt-tenant");
  assert.equal(response.headers.get("x-ratelimit-limit"), String(TENANT_COST + 1));
  assert.equal(await remaining(tenantA, "gpt-tenant"), "1", "the quota's costExpression: 19 charged");
  const { err, record } = await refused(tenantA, "gpt-tenant");
  assert.match(
    err.message,
    /quota exceeded: QuotaPolicy default\/tenant-quota perModelQuotas\[0\]\.bucketRules\[0\] \(limit 20 per hour\)/,
  );
  assert.equal(record.error, "quota_exceeded");
  assert.equal(record.backend, undefined, "no backend was tried");

  assert.equal(await remaining(openai({ "x-tenant": "b" }), "gpt-tenant"), String(TENANT_COST + 1));
  // Without the header the Distinct bucket rule does not apply.
  assert.equal(await remaining(openai(), "gpt-tenant"), null);
});

test("a serviceQuota counts every model of its backend: two models spend one quota", async () => {
  const client = openai();
  assert.equal(await remaining(client, "gpt-svc-1"), String(TOTAL * 2));
  assert.equal(await remaining(client, "gpt-svc-2"), String(TOTAL), "model 2 sees model 1's 14 tokens");
  for (const model of ["gpt-svc-1", "gpt-svc-2"]) {
    const { err, record } = await refused(client, model);
    assert.match(
      err.message,
      /quota exceeded: QuotaPolicy default\/service-quota serviceQuota \(limit 28 per hour\)/,
    );
    assert.equal(record.error, "quota_exceeded");
  }
});
