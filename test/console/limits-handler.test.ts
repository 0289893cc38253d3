import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { limitsHandler } from "../../src/console/limits-handler.js";
import { LimitsView } from "../../src/console/limits-view.js";
import type { ServedLimitRule } from "../../src/console/served-limit-rules.js";
import { compileQuotaPolicies } from "../../src/limits/compile-quota-policies.js";
import { compileRateLimit } from "../../src/limits/compile-rate-limit.js";
import type { CounterStore } from "../../src/limits/counter-store.js";
import { MemoryCounterStore } from "../../src/limits/memory-counter-store.js";
import type { LimitRule } from "../../src/limits/rate-limit-rule.js";
import { RedisCounterStore } from "../../src/limits/redis-counter-store.js";
import { freePort } from "../support/free-port.js";
import { type Reading, recordWith } from "../support/limit-records.js";

/**
 * The limits endpoint over real in-process stores (and a Redis that is not there): the view says
 * which buckets exist, the values come from the stores, which the tests fill directly with other
 * numbers than the records read, so an answer built from the records would fail.
 */

/** 10:17:42.250: the hour ends in 2537.75 s, the minute in 17.75 s. */
const NOW = Date.parse("2026-03-02T10:17:42.250Z");
const HOUR_END = Date.parse("2026-03-02T11:00:00.000Z");
const MINUTE_END = Date.parse("2026-03-02T10:18:00.000Z");

const [perTenant, perKey] = compileRateLimit(
  {
    type: "Global",
    global: {
      rules: [
        {
          clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
          limit: { requests: 100, unit: "Hour" },
        },
        {
          clientSelectors: [{ headers: [{ name: "authorization", type: "Distinct" }] }],
          limit: { requests: 50, unit: "Minute" },
          shared: true,
        },
      ],
    },
  },
  "default/p",
);
const [local] = compileRateLimit(
  { type: "Local", local: { rules: [{ limit: { requests: 10, unit: "Minute" } }] } },
  "default/l",
);
const quotas = compileQuotaPolicies([
  {
    key: "default/q",
    namespace: "default",
    spec: {
      targetRefs: [
        { kind: "AIServiceBackend", name: "b1" },
        { kind: "AIServiceBackend", name: "b2" },
      ],
      perModelQuotas: [
        {
          modelName: "gpt-x",
          quota: {
            defaultBucket: { limit: 1000, duration: "1h" },
            bucketRules: [
              {
                clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
                quota: { limit: 300, duration: "1h" },
                shadowMode: true,
              },
            ],
          },
        },
      ],
    },
  },
]);
const quotaRules = (backend: string): readonly LimitRule[] =>
  quotas.get(backend)!.perModel.get("gpt-x")!.rules;
const [b1Default, b1Tenant] = quotaRules("default/b1");
const [b2Default] = quotaRules("default/b2");

const RULES: ServedLimitRule[] = [
  { kind: "rate_limit", rule: perTenant! },
  { kind: "rate_limit", rule: perKey! },
  {
    kind: "rate_limit",
    rule: compileRateLimit(
      { global: { rules: [{ limit: { requests: 7, unit: "Day" } }] } },
      "default/idle",
    )[0]!,
  },
  { kind: "rate_limit", rule: local! },
  { kind: "quota", rule: b1Default!, backend: "default/b1" },
  { kind: "quota", rule: b1Tenant!, backend: "default/b1" },
  { kind: "quota", rule: b2Default!, backend: "default/b2" },
];

function store(t: TestContext): MemoryCounterStore {
  const s = new MemoryCounterStore({ now: () => NOW });
  t.after(() => s.close());
  return s;
}

/** One record per bucket, each read as `used` (not what the store will hold). */
function observe(
  view: LimitsView,
  route: string,
  rule: LimitRule,
  bucket: string,
  windowEndMs: number,
  used = 1,
): string {
  const key = `${rule.keyPrefix}${route}:${bucket}`;
  const reading: Reading = { rule: rule.id, key, bucket, used, windowEndMs };
  view.observe(recordWith(route, [reading]));
  return key;
}

async function answer(handler: ReturnType<typeof limitsHandler>, query = "") {
  const result = await handler({ query: new URLSearchParams(query), subpath: "", nowMs: NOW });
  return { status: result.status, contentType: result.contentType, json: JSON.parse(result.body) };
}

test("every served rule in order, with its buckets read from the store that counts it, top N by use", async (t) => {
  const shared = store(t);
  const localStore = store(t);
  const view = new LimitsView({ now: () => NOW });
  const charge = (s: CounterStore, key: string, amount: number, windowEndMs: number) =>
    s.charge([{ key, amount, windowEndMs }]);
  // Three tenants on two routes of a per-route rule: the store's values decide the order.
  charge(shared, observe(view, "default/r1", perTenant!, "tenant-a", HOUR_END), 40, HOUR_END);
  charge(shared, observe(view, "default/r1", perTenant!, "tenant-b", HOUR_END), 75, HOUR_END);
  charge(shared, observe(view, "default/r2", perTenant!, "tenant-a", HOUR_END), 75, HOUR_END);
  charge(shared, observe(view, "default/r1", perTenant!, "tenant-c", HOUR_END), 120, HOUR_END);
  charge(shared, observe(view, "default/r1", perKey!, "sha256:0123456789abcdef", MINUTE_END), 3, MINUTE_END);
  // The Local rule counts in the local store: the same key in the shared one is not what it shows.
  const localKey = observe(view, "default/r1", local!, "", MINUTE_END);
  charge(localStore, localKey, 6, MINUTE_END);
  charge(shared, localKey, 999, MINUTE_END);
  charge(shared, observe(view, "default/r1", b1Default!, "", HOUR_END), 500, HOUR_END);
  charge(shared, observe(view, "default/r1", b1Tenant!, "tenant-a", HOUR_END), 310, HOUR_END);
  // Seen, but nothing charged yet: listed with what the store holds, 0.
  observe(view, "default/r1", b1Tenant!, "tenant-b", HOUR_END, 0);

  const handler = limitsHandler({ rules: () => RULES, view, stores: { local: localStore, shared } });
  const { status, contentType, json } = await answer(handler);
  assert.equal(status, 200);
  assert.equal(contentType, "application/json");
  assert.deepEqual(
    json.rules.map((r: { rule: string; backend: string | null }) => [r.rule, r.backend]),
    [
      ["BackendTrafficPolicy default/p rateLimit.global.rules[0]", null],
      ["BackendTrafficPolicy default/p rateLimit.global.rules[1]", null],
      ["BackendTrafficPolicy default/idle rateLimit.global.rules[0]", null],
      ["BackendTrafficPolicy default/l rateLimit.local.rules[0]", null],
      ["QuotaPolicy default/q perModelQuotas[0].defaultBucket", "default/b1"],
      ["QuotaPolicy default/q perModelQuotas[0].bucketRules[0]", "default/b1"],
      ["QuotaPolicy default/q perModelQuotas[0].defaultBucket", "default/b2"],
    ],
  );
  const hourly = (used: number) => ({
    used,
    limit: 100,
    remaining: Math.max(0, 100 - used),
    window_end: "2026-03-02T11:00:00.000Z",
    resets_in_seconds: 2538,
    stale: false,
  });
  assert.deepEqual(json.rules[0], {
    rule: "BackendTrafficPolicy default/p rateLimit.global.rules[0]",
    kind: "rate_limit",
    backend: null,
    limit: 100,
    window_seconds: 3600,
    shadow: false,
    distinct: true,
    buckets: [
      // Over the limit (in-flight requests overshoot): remaining stays 0.
      { bucket: "tenant-c", route: "default/r1", ...hourly(120) },
      // Equal use: by bucket name, then route.
      { bucket: "tenant-a", route: "default/r2", ...hourly(75) },
      { bucket: "tenant-b", route: "default/r1", ...hourly(75) },
      { bucket: "tenant-a", route: "default/r1", ...hourly(40) },
    ],
  });
  assert.deepEqual(json.rules[1].buckets, [
    {
      bucket: "sha256:0123456789abcdef",
      route: null, // shared: one bucket for every route
      used: 3,
      limit: 50,
      remaining: 47,
      window_end: "2026-03-02T10:18:00.000Z",
      resets_in_seconds: 18,
      stale: false,
    },
  ]);
  assert.equal(json.rules[1].window_seconds, 60);
  assert.deepEqual(
    [json.rules[2].distinct, json.rules[2].window_seconds, json.rules[2].buckets],
    [false, 86_400, []],
    "a rule without traffic is listed with no buckets",
  );
  assert.deepEqual(
    json.rules[3].buckets.map((b: { used: number; remaining: number }) => [b.used, b.remaining]),
    [[6, 4]],
  );
  assert.deepEqual(
    json.rules[4].buckets.map((b: { bucket: string; used: number; route: unknown }) => [
      b.bucket,
      b.used,
      b.route,
    ]),
    [["", 500, null]],
  );
  assert.deepEqual(
    [
      json.rules[5].shadow,
      json.rules[5].distinct,
      json.rules[5].buckets.map((b: { bucket: string; used: number }) => [b.bucket, b.used]),
    ],
    [
      true,
      true,
      [
        ["tenant-a", 310],
        ["tenant-b", 0],
      ],
    ],
  );
  assert.deepEqual(json.rules[6].buckets, [], "b2's quota has the same id as b1's but counted nothing");

  const two = await answer(handler, "top=2");
  assert.deepEqual(
    two.json.rules[0].buckets.map((b: { bucket: string; used: number }) => [b.bucket, b.used]),
    [
      ["tenant-c", 120],
      ["tenant-a", 75],
    ],
  );
});

test("a shared store that cannot be read: each bucket keeps the last value known, marked stale", async (t) => {
  const view = new LimitsView({ now: () => NOW });
  observe(view, "default/r1", perTenant!, "tenant-a", HOUR_END, 33);
  const localStore = store(t);
  const localKey = observe(view, "default/r1", local!, "", MINUTE_END, 1);
  localStore.charge([{ key: localKey, amount: 2, windowEndMs: MINUTE_END }]);
  // Nothing listens on that port: the store's start fails, and it answers degraded.
  const down = new RedisCounterStore({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 200 });
  t.after(() => down.close());
  const handler = limitsHandler({ rules: () => RULES, view, stores: { local: localStore, shared: down } });
  const { status, json } = await answer(handler);
  assert.equal(status, 200);
  assert.deepEqual(
    json.rules[0].buckets.map((b: { used: number; remaining: number; stale: boolean }) => [
      b.used,
      b.remaining,
      b.stale,
    ]),
    [[33, 67, true]],
  );
  assert.deepEqual(
    json.rules[3].buckets.map((b: { used: number; stale: boolean }) => [b.used, b.stale]),
    [[2, false]],
    "the local store was read",
  );
});

test("bad parameters are a 400 naming them; another path under limits is a 404", async (t) => {
  const s = store(t);
  const handler = limitsHandler({
    rules: () => RULES,
    view: new LimitsView(),
    stores: { local: s, shared: s },
  });
  for (const [query, param] of [
    ["top=0", "top"],
    ["top=101", "top"],
    ["top=abc", "top"],
    ["top=1.5", "top"],
    ["top=", "top"],
    ["top=1&top=2", "top"],
    ["limit=5", "limit"],
  ] as const) {
    const { status, json } = await answer(handler, query);
    assert.equal(status, 400, query);
    assert.equal(json.error.type, "invalid_parameter", query);
    assert.equal(json.error.param, param, query);
  }
  assert.equal((await answer(handler, "top=100")).status, 200);
  const sub = await handler({ query: new URLSearchParams(), subpath: "x", nowMs: NOW });
  assert.equal(sub.status, 404);
});
