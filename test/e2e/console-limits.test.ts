import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { loadSnapshot } from "../../src/config/load-snapshot.js";
import type { ConsoleHandler } from "../../src/console/console-handler.js";
import { limitsHandler } from "../../src/console/limits-handler.js";
import { LimitsView } from "../../src/console/limits-view.js";
import { servedLimitRules } from "../../src/console/served-limit-rules.js";
import { MemoryCounterStore } from "../../src/limits/memory-counter-store.js";
import { RedisCounterStore } from "../../src/limits/redis-counter-store.js";
import { DispatcherCache } from "../../src/upstream/dispatcher-cache.js";
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
import { chatWithResponse, openAIClient } from "../support/sdk-calls.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The console's limits endpoint against a real gateway counting in a Redis of the test's own: a
 * BackendTrafficPolicy limits total tokens per tenant (Distinct x-tenant) and per API key (a
 * credential header: its buckets are digests), a second rule sees no traffic, and a QuotaPolicy on
 * the backend has a default bucket and a per-tenant bucket in shadow mode. The handler reads the
 * counters through a store of its own on the same Redis (as another replica's console would), with
 * the rules of the same configuration compiled again, and the buckets the gateway's records named.
 */

const TOTAL = FAKE_CHAT_USAGE.total_tokens;
const ROUTE = "default/console-limited";
const TENANT_RULE = "BackendTrafficPolicy default/tenant-tokens rateLimit.global.rules[0]";
const IDLE_RULE = "BackendTrafficPolicy default/tenant-tokens rateLimit.global.rules[1]";
const KEY_RULE = "BackendTrafficPolicy default/tenant-tokens rateLimit.global.rules[2]";
const DEFAULT_QUOTA = "QuotaPolicy default/up-quota perModelQuotas[0].defaultBucket";
const SHADOW_QUOTA = "QuotaPolicy default/up-quota perModelQuotas[0].bucketRules[0]";
/** Requests per tenant, and one request without a tenant (only the quota's default bucket counts it). */
const TRAFFIC = { "tenant-a": 3, "tenant-b": 2, "tenant-c": 1 } as const;

let redis: ThrowawayRedis;
let upstream: RecordingUpstream;
let gateway: TestGateway;
let consoleStore: RedisCounterStore;
const localStore = new MemoryCounterStore();
const dispatchers = new DispatcherCache();
const view = new LimitsView();
let handler: ConsoleHandler;

function config(upstreamUrl: string): string {
  return configYaml(
    gatewayDocs(),
    openAIBackendDocs("up", upstreamUrl),
    routeDoc("console-limited", {
      rules: [
        { matches: [modelIs("gpt-x")], backendRefs: [{ name: "up" }] },
        { matches: [modelIs("gpt-unused")], backendRefs: [{ name: "up" }] },
      ],
      llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
    }),
    rateLimitPolicyDoc("tenant-tokens", { route: "console-limited" }, [
      {
        clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
        limit: { requests: TOTAL * 10, unit: "Hour" },
        cost: tokenCost("llm_total_token"),
      },
      {
        clientSelectors: [{ headers: [{ name: "x-ai-eg-model", value: "gpt-unused" }] }],
        limit: { requests: 1000, unit: "Minute" },
        cost: tokenCost("llm_total_token"),
      },
      {
        clientSelectors: [{ headers: [{ name: "x-api-key", type: "Distinct" }] }],
        limit: { requests: TOTAL * 100, unit: "Day" },
        cost: tokenCost("llm_total_token"),
      },
    ]),
    {
      apiVersion: "aigateway.envoyproxy.io/v1alpha1",
      kind: "QuotaPolicy",
      metadata: { name: "up-quota", namespace: "default" },
      spec: {
        targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: "up" }],
        perModelQuotas: [
          {
            modelName: "gpt-x",
            quota: {
              defaultBucket: { limit: TOTAL * 100, duration: "1h" },
              bucketRules: [
                {
                  // One answer's worth per tenant: tenant-a overshoots it and is still served.
                  clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
                  quota: { limit: TOTAL, duration: "1h" },
                  shadowMode: true,
                },
              ],
            },
          },
        ],
      },
    },
  );
}

before(async () => {
  // Hourly windows: traffic that crossed an hour's end would be split between two of them.
  const leftOfHour = 3_600_000 - (Date.now() % 3_600_000);
  if (leftOfHour < 30_000) await new Promise((resolve) => setTimeout(resolve, leftOfHour + 100));
  redis = await startThrowawayRedis();
  upstream = await startFakeOpenAI();
  const text = config(upstream.url);
  gateway = await startTestGateway(text, {
    redisUrl: redis.url,
    onRequest: (record) => view.observe(record),
  });
  consoleStore = new RedisCounterStore({ url: redis.url });
  const stores = { local: localStore, shared: consoleStore };
  const snapshot = await loadSnapshot(
    { text, origin: "console-limits.yaml" },
    { env: {}, generation: 1, dispatchers, defaultCreatedAt: 0, limitStores: stores, warn: () => {} },
  );
  handler = limitsHandler({ rules: () => servedLimitRules(snapshot.routes), view, stores });

  let sent = 0;
  for (const [tenant, count] of Object.entries(TRAFFIC)) {
    const client = openAIClient(gateway.url, { "x-tenant": tenant, "x-api-key": `sk-secret-${tenant}` });
    for (let i = 0; i < count; i++) {
      const { response } = await chatWithResponse(client, "gpt-x");
      assert.equal(response.status, 200);
      sent++;
    }
  }
  assert.equal((await chatWithResponse(openAIClient(gateway.url), "gpt-x")).response.status, 200);
  await gateway.waitForRecords(sent + 1);
});

after(async () => {
  await gateway?.close();
  await consoleStore?.close();
  await localStore.close();
  await dispatchers.closeAll();
  await upstream?.close();
  await redis?.kill();
});

interface Bucket {
  bucket: string;
  route: string | null;
  used: number;
  limit: number;
  remaining: number;
  window_end: string;
  resets_in_seconds: number;
  stale: boolean;
}
interface Rule {
  rule: string;
  kind: string;
  backend: string | null;
  limit: number;
  window_seconds: number;
  shadow: boolean;
  distinct: boolean;
  buckets: Bucket[];
}

async function limits(query = ""): Promise<{ status: number; body: string; rules: Rule[] }> {
  const answer = await handler({ query: new URLSearchParams(query), subpath: "", nowMs: Date.now() });
  const json = JSON.parse(answer.body) as { rules?: Rule[] };
  return { status: answer.status, body: answer.body, rules: json.rules ?? [] };
}

/** The charges of finished answers reach Redis within a few ms (batched): polled until they all have. */
async function settled(): Promise<Rule[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { rules } = await limits();
    const quota = rules.find((r) => r.rule === DEFAULT_QUOTA);
    if (quota?.buckets[0]?.used === TOTAL * 7 || Date.now() > deadline) return rules;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("every rule and quota of the configuration, used = the tokens charged, remaining and reset of the current window", async () => {
  const rules = await settled();
  const now = Date.now();
  assert.deepEqual(
    rules.map((r) => [r.rule, r.kind, r.backend, r.limit, r.window_seconds, r.shadow, r.distinct]),
    [
      [TENANT_RULE, "rate_limit", null, TOTAL * 10, 3600, false, true],
      [IDLE_RULE, "rate_limit", null, 1000, 60, false, false],
      [KEY_RULE, "rate_limit", null, TOTAL * 100, 86_400, false, true],
      [DEFAULT_QUOTA, "quota", "default/up", TOTAL * 100, 3600, false, false],
      [SHADOW_QUOTA, "quota", "default/up", TOTAL, 3600, true, true],
    ],
  );
  const hourEnd = (Math.floor(now / 3_600_000) + 1) * 3_600_000;
  const tenants = rules[0]!.buckets;
  assert.deepEqual(
    tenants.map((b) => [b.bucket, b.route, b.used, b.remaining, b.stale]),
    [
      ["tenant-a", ROUTE, TOTAL * 3, TOTAL * 7, false],
      ["tenant-b", ROUTE, TOTAL * 2, TOTAL * 8, false],
      ["tenant-c", ROUTE, TOTAL, TOTAL * 9, false],
    ],
  );
  for (const b of tenants) {
    assert.equal(b.window_end, new Date(hourEnd).toISOString());
    assert.ok(b.resets_in_seconds > 0 && b.resets_in_seconds <= 3600, `resets in ${b.resets_in_seconds}`);
    assert.ok(
      Math.abs(b.resets_in_seconds - (hourEnd - now) / 1000) <= 2,
      `resets in ${b.resets_in_seconds}`,
    );
  }
  assert.deepEqual(rules[1]!.buckets, [], "a rule without traffic: no buckets");
  assert.deepEqual(
    rules[3]!.buckets.map((b) => [b.bucket, b.route, b.used, b.remaining]),
    [["", null, TOTAL * 7, TOTAL * 93]],
    "the default bucket counts every answer of the model, the tenantless one too",
  );
  // The shadow bucket was overshot (never enforced): used past the limit, nothing remaining.
  assert.deepEqual(
    rules[4]!.buckets.map((b) => [b.bucket, b.used, b.remaining]),
    [
      ["tenant-a", TOTAL * 3, 0],
      ["tenant-b", TOTAL * 2, 0],
      ["tenant-c", TOTAL, 0],
    ],
  );
});

test("a credential header's buckets are the decision record's sha256 digests; the key itself is never served", async () => {
  const { rules, body } = await limits();
  const keyBuckets = rules.find((r) => r.rule === KEY_RULE)!.buckets;
  const fromRecords = new Set<string>();
  for (const record of gateway.records) {
    const limit = record.limits?.find((l) => l.rule === KEY_RULE);
    if (limit) fromRecords.add(limit.bucket);
  }
  assert.equal(keyBuckets.length, 3);
  for (const b of keyBuckets) {
    assert.match(b.bucket, /^sha256:[0-9a-f]{16}$/);
    assert.ok(fromRecords.has(b.bucket), `${b.bucket} is a bucket the decision records named`);
  }
  assert.deepEqual(
    keyBuckets.map((b) => b.used),
    [TOTAL * 3, TOTAL * 2, TOTAL],
  );
  assert.doesNotMatch(body, /sk-secret/);
});

test("top picks the busiest buckets; bad or unknown parameters are a 400 naming them", async () => {
  const one = await limits("top=1");
  assert.equal(one.status, 200);
  assert.deepEqual(
    one.rules[0]!.buckets.map((b) => b.bucket),
    ["tenant-a"],
  );
  assert.equal(one.rules.length, 5, "top limits buckets, never rules");
  for (const [query, param] of [
    ["top=0", "top"],
    ["top=101", "top"],
    ["top=ten", "top"],
    ["window=1h", "window"],
  ] as const) {
    const answer = await handler({ query: new URLSearchParams(query), subpath: "", nowMs: Date.now() });
    assert.equal(answer.status, 400, query);
    const error = (JSON.parse(answer.body) as { error: { type: string; param: string } }).error;
    assert.deepEqual([error.type, error.param], ["invalid_parameter", param], query);
  }
});
