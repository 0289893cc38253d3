import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { CompiledBackendRef, CompiledRoute, CompiledRule } from "../../src/config/snapshot.js";
import type { ClientEndpoint } from "../../src/endpoints/client-endpoint.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import type { ClientCall } from "../../src/gateway/prepare-attempt.js";
import type { AdmissionContext } from "../../src/gateway/request-policy.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { compileQuotaPolicies, type QuotaPolicyInput } from "../../src/limits/compile-quota-policies.js";
import { compileRateLimit } from "../../src/limits/compile-rate-limit.js";
import { compileCosts } from "../../src/limits/compute-costs.js";
import {
  type BucketCharge,
  type BucketCheck,
  type CheckResult,
  type CounterStore,
  CounterStoreUnavailableError,
  type LocalCounterStore,
  type PeekResult,
} from "../../src/limits/counter-store.js";
import { MemoryCounterStore } from "../../src/limits/memory-counter-store.js";
import type { RateLimitRule } from "../../src/limits/rate-limit-rule.js";
import { TokenLimitPolicy, type TokenLimitSetup } from "../../src/limits/token-limit-policy.js";
import type { TokenUsage } from "../../src/usage/token-usage.js";
import { requestRecord } from "../support/request-record.js";

/**
 * TokenLimitPolicy on its own: admission contexts built by hand, real in-process counter stores, and
 * Date mocked (the policy reads Date.now for its windows) so windows and x-ratelimit-reset are exact.
 */

/** 10:17:42.250: the minute ends in 17.75 s (reset 18), the hour in 2537.75 s (reset 2538). */
const T0 = Date.parse("2026-03-02T10:17:42.250Z");
const MINUTE_RESET = "18";
const HOUR_RESET = "2538";

/** FAKE_CHAT_USAGE's counts: 9 in (3 cached), 5 out (2 reasoning), 14 total. */
const USAGE: TokenUsage = {
  inputTokens: 9,
  outputTokens: 5,
  totalTokens: 14,
  cachedInputTokens: 3,
  cacheCreationInputTokens: 0,
  reasoningTokens: 2,
};

type Spec = Record<string, unknown>;

function freezeClock(t: TestContext, now = T0): void {
  t.mock.timers.enable({ apis: ["Date"], now });
}

/** A store on the (mocked) clock, closed when the test ends. */
function memoryStore(t: TestContext): MemoryCounterStore {
  const store = new MemoryCounterStore({ now: () => Date.now() });
  t.after(() => store.close());
  return store;
}

/** A memory store that remembers every check and charge it was given. */
class RecordingStore implements LocalCounterStore {
  readonly checks: BucketCheck[][] = [];
  readonly charges: BucketCharge[][] = [];
  constructor(readonly inner: MemoryCounterStore) {}
  check(buckets: readonly BucketCheck[]): CheckResult {
    this.checks.push([...buckets]);
    return this.inner.check(buckets);
  }
  charge(charges: readonly BucketCharge[]): void {
    this.charges.push([...charges]);
    this.inner.charge(charges);
  }
  peek(keys: readonly string[]): PeekResult {
    return this.inner.peek(keys);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function globalRules(rules: Spec[], policyKey = "default/p"): RateLimitRule[] {
  return compileRateLimit({ type: "Global", global: { rules } }, policyKey);
}

function localRules(rules: Spec[], policyKey = "default/p"): RateLimitRule[] {
  return compileRateLimit({ type: "Local", local: { rules } }, policyKey);
}

function tokenCost(key: string): Spec {
  return {
    request: { from: "Number", number: 0 },
    response: { from: "Metadata", metadata: { namespace: "io.envoy.ai_gateway", key } },
  };
}

function policyOf(
  routeKey: string,
  stores: TokenLimitSetup["stores"],
  rateRules: readonly RateLimitRule[],
  more: Partial<Omit<TokenLimitSetup, "stores" | "rateRules">> = {},
): TokenLimitPolicy {
  return new TokenLimitPolicy(routeKey, {
    rateRules,
    quotas: more.quotas ?? new Map(),
    stores,
    estimate: more.estimate,
  });
}

function clientCall(
  options: {
    headers?: Record<string, string>;
    model?: string;
    body?: Record<string, unknown>;
    raw?: string;
    clientAddress?: string;
  } = {},
): ClientCall {
  const model = options.model ?? "gpt-x";
  const body = options.body ?? { model, messages: [{ role: "user", content: "Hi" }] };
  return {
    endpoint: {} as ClientEndpoint,
    path: "/v1/chat/completions",
    headers: options.headers ?? {},
    body,
    raw: Buffer.from(options.raw ?? JSON.stringify(body)),
    model,
    stream: false,
    forceIncludeUsage: true,
    clientAddress: options.clientAddress ?? "127.0.0.1",
  };
}

/** A rule whose tiers hold backends of these keys (tier by tier), with only what the policy reads. */
function ruleOf(tiers: string[][] = [["default/b1"]]): CompiledRule {
  const refs = tiers.map((tier) =>
    tier.map((key) => ({ backend: { key }, modelNameOverride: undefined }) as unknown as CompiledBackendRef),
  );
  return { name: "rule", tiers: refs } as unknown as CompiledRule;
}

function contextOf(call: ClientCall = clientCall(), rule: CompiledRule = ruleOf()): AdmissionContext {
  return { call, route: {} as CompiledRoute, rule, record: requestRecord() };
}

/** Admits a new request and returns its context (its headers, exclusions, decision). */
async function admit(
  policy: TokenLimitPolicy,
  call = clientCall(),
  rule = ruleOf(),
): Promise<AdmissionContext> {
  const ctx = contextOf(call, rule);
  await policy.admit(ctx);
  return ctx;
}

/** Admits a new request that must be refused with a GatewayError, and returns the error. */
async function refusal(
  policy: TokenLimitPolicy,
  call = clientCall(),
  rule = ruleOf(),
): Promise<GatewayError> {
  const ctx = contextOf(call, rule);
  try {
    await policy.admit(ctx);
  } catch (err) {
    assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
    assert.equal(ctx.call.responseHeaders, undefined, "a refused request gets no admission headers");
    return err;
  }
  assert.fail("expected the request to be refused");
}

/** Admits a request and settles it as an answer with these costs (and usage, backend). */
async function serve(
  policy: TokenLimitPolicy,
  record: Partial<RequestRecord>,
  call = clientCall(),
  rule = ruleOf(),
): Promise<AdmissionContext> {
  const ctx = await admit(policy, call, rule);
  policy.settle(ctx, requestRecord(record));
  return ctx;
}

function inProcess(t: TestContext): TokenLimitSetup["stores"] {
  const store = memoryStore(t);
  return { local: store, shared: store };
}

test("two rules: the headers describe the one with the smallest remaining share, reset at its window's end", async (t) => {
  freezeClock(t);
  const rules = globalRules([
    { limit: { requests: 100, unit: "Hour" }, cost: tokenCost("a") },
    { limit: { requests: 10, unit: "Minute" }, cost: tokenCost("b") },
  ]);
  const policy = policyOf("default/r1", inProcess(t), rules);

  // 80 of 100 (20 left, a 0.2 share) against 5 of 10 (5 left, 0.5): the hour rule, though 5 < 20.
  await serve(policy, { costs: { a: 80, b: 5 } });
  assert.deepEqual((await admit(policy)).call.responseHeaders, {
    "x-ratelimit-limit": "100",
    "x-ratelimit-remaining": "20",
    "x-ratelimit-reset": HOUR_RESET,
  });

  // 9 of 10 (0.1) against 80 of 100 (0.2): the minute rule, though it is second and used less.
  await serve(policy, { costs: { a: 0, b: 4 } });
  assert.deepEqual((await admit(policy)).call.responseHeaders, {
    "x-ratelimit-limit": "10",
    "x-ratelimit-remaining": "1",
    "x-ratelimit-reset": MINUTE_RESET,
  });

  // The minute is over: that bucket starts again from 0, the hour's keeps its 80.
  t.mock.timers.tick(18_000);
  assert.deepEqual((await admit(policy)).call.responseHeaders, {
    "x-ratelimit-limit": "100",
    "x-ratelimit-remaining": "20",
    "x-ratelimit-reset": "2520",
  });
});

test("a refusal: 429 rate_limited naming the rule, remaining 0, retry-after = reset; it charges nothing", async (t) => {
  freezeClock(t);
  const rules = globalRules([
    // A request count (cost.request 1 by default), checked in the same store call as the next.
    { limit: { requests: 100, unit: "Hour" } },
    {
      clientSelectors: [{ headers: [{ name: "x-user", type: "Distinct" }] }],
      limit: { requests: 14, unit: "Hour" },
      cost: tokenCost("tokens"),
    },
  ]);
  const policy = policyOf("default/r1", inProcess(t), rules);
  const alice = () => clientCall({ headers: { "x-user": "alice" } });

  const first = await serve(policy, { costs: { tokens: 14 } }, alice());
  assert.equal(first.call.responseHeaders?.["x-ratelimit-remaining"], "99", "the request count, after its 1");

  const err = await refusal(policy, alice());
  assert.equal(err.status, 429);
  assert.equal(err.type, "TooManyRequests");
  assert.equal(err.logCode, "rate_limited");
  assert.equal(err.code, "rate_limit_exceeded");
  assert.equal(
    err.message,
    "rate limit exceeded: BackendTrafficPolicy default/p rateLimit.global.rules[1] (limit 14 per hour)",
  );
  assert.deepEqual(err.headers, {
    "x-ratelimit-limit": "14",
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": HOUR_RESET,
    "retry-after": HOUR_RESET,
  });

  // Bob's request counts 1 more: 2 in all, so alice's refused request did not add its 1.
  const bob = await admit(policy, clientCall({ headers: { "x-user": "bob" } }));
  assert.equal(bob.call.responseHeaders?.["x-ratelimit-remaining"], "98");
});

test("settle after a refused admission charges nothing, not even a fixed (Number) response cost", async (t) => {
  freezeClock(t);
  const shared = new RecordingStore(memoryStore(t));
  const rules = globalRules([
    // Counts answers: nothing up front, 1 when the request is done.
    {
      limit: { requests: 100, unit: "Hour" },
      cost: { request: { from: "Number", number: 0 }, response: { from: "Number", number: 1 } },
    },
    { limit: { requests: 14, unit: "Hour" }, cost: tokenCost("tokens") },
  ]);
  const policy = policyOf("default/r1", { local: memoryStore(t), shared }, rules);
  await serve(policy, { costs: { tokens: 14 } });
  const ctx = contextOf();
  await assert.rejects(
    Promise.resolve().then(() => policy.admit(ctx)),
    GatewayError,
  );
  // What handle-inference-request does with a refused request: it is settled like any other.
  const charged = shared.charges.length;
  policy.settle(ctx, requestRecord({ status: 429, backend: undefined, error: "rate_limited" }));
  assert.deepEqual(shared.charges.slice(charged), [], "a refused request is not an answer");
});

test("shared: false counts each route apart; shared: true one bucket for every route", async (t) => {
  const stores = inProcess(t);
  for (const shared of [false, true]) {
    const rules = globalRules([{ limit: { requests: 1, unit: "Hour" }, shared }], `default/shared-${shared}`);
    const onRoute1 = policyOf("default/r1", stores, rules);
    const onRoute2 = policyOf("default/r2", stores, rules);
    await admit(onRoute1);
    await refusal(onRoute1);
    if (shared) {
      const err = await refusal(onRoute2);
      assert.match(err.message, /default\/shared-true rateLimit\.global\.rules\[0\]/);
    } else {
      const ctx = await admit(onRoute2);
      assert.equal(ctx.call.responseHeaders?.["x-ratelimit-remaining"], "0", "route 2's own 1 of 1");
      await refusal(onRoute2);
    }
  }
});

test("type Local counts in stores.local (synchronously), Global in stores.shared", async (t) => {
  const local = memoryStore(t);
  const shared = memoryStore(t);
  const limit = [{ limit: { requests: 1, unit: "Hour" } }];

  const localPolicy = policyOf("default/r1", { local, shared }, localRules(limit, "default/local"));
  const ctx = contextOf();
  assert.equal(localPolicy.admit(ctx), undefined, "a Local check never waits");
  assert.equal(ctx.call.responseHeaders?.["x-ratelimit-remaining"], "0");
  assert.equal(local.size, 1);
  assert.equal(shared.size, 0);
  await refusal(localPolicy);

  const globalPolicy = policyOf("default/r1", { local, shared }, globalRules(limit, "default/global"));
  await admit(globalPolicy);
  assert.equal(local.size, 1);
  assert.equal(shared.size, 1);
  await refusal(globalPolicy);
});

test("settle charges response costs (Metadata and Number) to the keys and windows admitted, none of cost 0", async (t) => {
  freezeClock(t);
  const local = new RecordingStore(memoryStore(t));
  const shared = new RecordingStore(memoryStore(t));
  const rules = globalRules([
    { limit: { requests: 1000, unit: "Minute" }, cost: tokenCost("llm_total_token") },
    {
      limit: { requests: 1000, unit: "Hour" },
      cost: { request: { from: "Number", number: 0 }, response: { from: "Number", number: 7 } },
    },
    { limit: { requests: 1000, unit: "Hour" }, cost: tokenCost("zero") },
    // No cost block: 1 up front, nothing after.
    { limit: { requests: 1000, unit: "Hour" } },
  ]);
  const policy = policyOf("default/r1", { local, shared }, rules);
  const ctx = await admit(policy);
  const [checked] = shared.checks;
  assert.equal(checked?.length, 4);

  // The answer ends in the next minute: it is still charged to the window it was admitted in.
  t.mock.timers.tick(20_000);
  policy.settle(ctx, requestRecord({ usage: USAGE, costs: { llm_total_token: 14, zero: 0 } }));
  assert.deepEqual(shared.charges, [
    [
      { key: checked![0]!.key, amount: 14, windowEndMs: checked![0]!.windowEndMs },
      { key: checked![1]!.key, amount: 7, windowEndMs: checked![1]!.windowEndMs },
    ],
  ]);
  assert.equal(checked![0]!.windowEndMs, Date.parse("2026-03-02T10:18:00.000Z"));
  assert.deepEqual(local.checks, []);
  assert.deepEqual(local.charges, []);
});

const QUOTAS: QuotaPolicyInput[] = [
  {
    key: "default/q-b1",
    namespace: "default",
    spec: {
      targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: "b1" }],
      perModelQuotas: [
        {
          modelName: "gpt-x",
          // 9 + 5 * 2 = 19 per answer: one answer spends it.
          quota: {
            costExpression: "input_tokens + output_tokens * 2u",
            defaultBucket: { limit: 19, duration: "1h" },
          },
        },
      ],
      serviceQuota: { costExpression: "total_tokens", quota: { limit: 1000, duration: "1d" } },
    },
  },
  {
    key: "default/q-b2",
    namespace: "default",
    spec: {
      targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: "b2" }],
      perModelQuotas: [
        {
          modelName: "gpt-x",
          quota: {
            bucketRules: [
              {
                clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
                quota: { limit: 1, duration: "1m" },
                shadowMode: true,
              },
            ],
          },
        },
      ],
      // Two answers' total tokens.
      serviceQuota: { quota: { limit: 28, duration: "1h" } },
    },
  },
];

test("quotas: a spent backend is excluded, shadow buckets never exclude, all spent is a 429 naming the quota", async (t) => {
  freezeClock(t);
  const shared = new RecordingStore(memoryStore(t));
  const policy = policyOf("default/r1", { local: memoryStore(t), shared }, [], {
    quotas: compileQuotaPolicies(QUOTAS),
  });
  const rule = ruleOf([["default/b1"], ["default/b2"]]);
  const call = () => clientCall({ headers: { "x-tenant": "t1" } });
  const chargedSince = (n: number) => shared.charges.slice(n).flat();

  const first = await admit(policy, call(), rule);
  assert.equal(first.call.excludedBackends, undefined);
  assert.equal(first.call.responseHeaders?.["x-ratelimit-limit"], "19", "quota buckets give headers too");

  // Served by b1: b1's per-model bucket (its costExpression: 19) and its serviceQuota (total: 14).
  policy.settle(first, requestRecord({ backend: "default/b1", usage: USAGE, costs: {} }));
  const b1Charges = chargedSince(0);
  assert.deepEqual(
    b1Charges.map((c) => [c.key.replace(/:\d+$/, ""), c.amount]),
    [
      ["aigw:quota:default/b1:model:gpt-x:default:", 19],
      ["aigw:quota:default/b1:service:", 14],
    ],
    "only the serving backend's quotas, both sets",
  );

  const second = await admit(policy, call(), rule);
  assert.deepEqual([...(second.call.excludedBackends ?? [])], ["default/b1"]);

  // Served by b2: its shadow bucket (limit 1) is spent now, its service quota has 14 of 28.
  let n = shared.charges.length;
  policy.settle(second, requestRecord({ backend: "default/b2", usage: USAGE, costs: {} }));
  assert.ok(
    chargedSince(n).every((c) => c.key.startsWith("aigw:quota:default/b2:")),
    "nothing charged to b1's quotas for b2's answer",
  );
  assert.ok(
    chargedSince(n).some((c) => c.key.includes(":rule0:t1:")),
    "the shadow bucket is counted",
  );

  const third = await admit(policy, call(), rule);
  assert.deepEqual(
    [...(third.call.excludedBackends ?? [])],
    ["default/b1"],
    "a spent shadow bucket does not",
  );

  n = shared.charges.length;
  policy.settle(third, requestRecord({ backend: undefined, usage: USAGE, costs: {} }));
  assert.deepEqual(chargedSince(n), [], "no backend served it: no quota charged");

  policy.settle(third, requestRecord({ backend: "default/b2", usage: USAGE, costs: {} }));
  const err = await refusal(policy, call(), rule);
  assert.equal(err.status, 429);
  assert.equal(err.logCode, "quota_exceeded");
  assert.equal(err.code, "rate_limit_exceeded");
  assert.equal(
    err.message,
    "quota exceeded: QuotaPolicy default/q-b1 perModelQuotas[0].defaultBucket (limit 19 per hour)",
  );
  assert.deepEqual(err.headers, {
    "x-ratelimit-limit": "19",
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": HOUR_RESET,
    "retry-after": HOUR_RESET,
  });

  // Another model has no per-model quota on b1; b1's service quota (28 of 1000) and b2's (spent) count.
  const other = await admit(policy, clientCall({ model: "gpt-other" }), rule);
  assert.deepEqual([...(other.call.excludedBackends ?? [])], ["default/b2"]);
});

/** A shared store that cannot be asked: it fails open (degraded) or closed (rejects). */
function brokenStore(mode: "open" | "closed" | "throws" | "other"): CounterStore {
  return {
    check(buckets) {
      if (mode === "open") {
        return Promise.resolve({
          allowed: true,
          refusedIndex: -1,
          used: buckets.map(() => 0),
          degraded: true,
        });
      }
      if (mode === "throws") throw new CounterStoreUnavailableError("down");
      if (mode === "other") return Promise.reject(new TypeError("a bug"));
      return Promise.reject(new CounterStoreUnavailableError("redis is down"));
    },
    charge() {},
    peek: (keys) => ({ values: keys.map(() => 0), degraded: true }),
    close: () => Promise.resolve(),
  };
}

test("a degraded shared store: admitted unchecked, no headers, no exclusions, no estimate", async (t) => {
  const rules = globalRules([{ limit: { requests: 10, unit: "Hour" }, cost: tokenCost("tokens") }]);
  const policy = policyOf("default/r1", { local: memoryStore(t), shared: brokenStore("open") }, rules, {
    quotas: compileQuotaPolicies(QUOTAS),
    estimate: {
      computeCosts: compileCosts([{ metadataKey: "tokens", type: "TotalToken" }]),
      routeKey: "default/r1",
    },
  });
  // max_tokens 100 alone would overshoot the 10: the estimate would refuse it if anything were known.
  const call = clientCall({ body: { model: "gpt-x", max_tokens: 100 } });
  const ctx = contextOf(call, ruleOf([["default/b1"], ["default/b2"]]));
  const pending = policy.admit(ctx);
  assert.ok(pending instanceof Promise);
  await pending;
  assert.equal(ctx.call.responseHeaders, undefined);
  assert.equal(ctx.call.excludedBackends, undefined);
});

test("a shared store failing closed: 503 limit_store_unavailable; other errors pass through", async (t) => {
  const rules = globalRules([{ limit: { requests: 10, unit: "Hour" } }]);
  for (const mode of ["closed", "throws"] as const) {
    const policy = policyOf("default/r1", { local: memoryStore(t), shared: brokenStore(mode) }, rules);
    const err = await refusal(policy);
    assert.equal(err.status, 503, mode);
    assert.equal(err.logCode, "limit_store_unavailable");
    assert.equal(err.type, "ServiceUnavailable");
  }
  const policy = policyOf("default/r1", { local: memoryStore(t), shared: brokenStore("other") }, rules);
  await assert.rejects(
    Promise.resolve().then(() => policy.admit(contextOf())),
    TypeError,
  );
});

test("the admission estimate: refused when ceil(raw length / 4) + max_tokens, costed by the route, would overshoot", async (t) => {
  freezeClock(t);
  const rules = globalRules([{ limit: { requests: 100, unit: "Hour" }, cost: tokenCost("weighted") }]);
  const estimate = {
    // Through the route's cost calculator: output weighs double.
    computeCosts: compileCosts([
      { metadataKey: "weighted", type: "CEL", cel: "input_tokens + output_tokens * 2u" },
    ]),
    routeKey: "default/r1",
  };
  const stores = inProcess(t);
  const policy = policyOf("default/r1", stores, rules, { estimate });
  /** A request of `chars` characters (raw) asking for `max` output tokens in `field`. */
  const ask = (chars: number, max: number, field = "max_tokens") =>
    clientCall({ raw: "x".repeat(chars), body: { model: "gpt-x", [field]: max } });

  // 40 chars = 10 tokens, + 45 * 2 = 100: exactly what is left.
  assert.equal((await admit(policy, ask(40, 45))).call.responseHeaders?.["x-ratelimit-remaining"], "100");
  let err = await refusal(policy, ask(40, 46));
  assert.equal(err.status, 429);
  assert.equal(err.logCode, "rate_limited");
  assert.equal(err.code, "rate_limit_exceeded");
  assert.equal(
    err.message,
    "BackendTrafficPolicy default/p rateLimit.global.rules[0]: this request would need about 102 of the 100 left in its window",
  );
  assert.deepEqual(err.headers, {
    "x-ratelimit-limit": "100",
    "x-ratelimit-remaining": "100",
    "x-ratelimit-reset": HOUR_RESET,
    "retry-after": HOUR_RESET,
  });
  await refusal(policy, ask(41, 45)); // 41 chars round up to 11 tokens: 101
  await refusal(policy, ask(40, 46, "max_completion_tokens"));
  // Without the estimate the same request is admitted (only a spent bucket refuses).
  await admit(policyOf("default/r1", stores, rules), ask(40, 46));

  // With 50 spent, 50 are left.
  await serve(policy, { costs: { weighted: 50 } }, ask(0, 0));
  await admit(policy, ask(40, 20));
  err = await refusal(policy, ask(40, 21));
  assert.match(err.message, /would need about 52 of the 50 left/);
});

/**
 * A route with two request-count rules, the second charged by total tokens, and the admission
 * estimate on (max_tokens counted up front); the clock frozen.
 */
function estimatingPolicy(t: TestContext): TokenLimitPolicy {
  freezeClock(t);
  const rules = globalRules([
    { limit: { requests: 100, unit: "Hour" } },
    { limit: { requests: 10, unit: "Hour" }, cost: tokenCost("tokens") },
  ]);
  const estimate = {
    computeCosts: compileCosts([{ metadataKey: "tokens", type: "TotalToken" }]),
    routeKey: "default/r1",
  };
  return policyOf("default/r1", inProcess(t), rules, { estimate });
}

test("a request refused after the store's check (admission estimate, every backend's quota spent) adds no request cost", async (t) => {
  const policy = estimatingPolicy(t);
  await refusal(policy, clientCall({ raw: "", body: { model: "gpt-x", max_tokens: 11 } }));
  const afterEstimate = await admit(policy, clientCall({ raw: "", body: { model: "gpt-x" } }));

  const counted = globalRules([{ limit: { requests: 100, unit: "Hour" } }], "default/q");
  const quotaPolicy = policyOf("default/r1", inProcess(t), counted, { quotas: compileQuotaPolicies(QUOTAS) });
  await serve(quotaPolicy, { backend: "default/b1", usage: USAGE }); // spends b1's gpt-x quota
  const err = await refusal(quotaPolicy); // b1 is the rule's only backend
  assert.equal(err.logCode, "quota_exceeded");
  const afterQuota = await admit(quotaPolicy, clientCall({ model: "gpt-other" }));
  assert.deepEqual(
    [afterEstimate, afterQuota].map((ctx) => ctx.call.responseHeaders?.["x-ratelimit-remaining"]),
    ["99", "98"],
    "only the admitted requests counted",
  );
});

/** The end of T0's hour and minute, as the records' windowEndMs give them. */
const HOUR_END = Date.parse("2026-03-02T11:00:00.000Z");
const MINUTE_END = Date.parse("2026-03-02T10:18:00.000Z");

/** Admits a request that must be refused; returns the error and the context (its record). */
async function refusedContext(
  policy: TokenLimitPolicy,
  call = clientCall(),
  rule = ruleOf(),
): Promise<{ err: GatewayError; ctx: AdmissionContext }> {
  const ctx = contextOf(call, rule);
  try {
    await policy.admit(ctx);
  } catch (err) {
    assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
    return { err, ctx };
  }
  assert.fail("expected the request to be refused");
}

/** The records without their windows, in a line each: what most of the assertions compare. */
function decisions(ctx: AdmissionContext): string[] {
  return (ctx.record.limits ?? []).map(
    (l) => `${l.kind} ${l.rule} [${l.bucket}] ${l.used}/${l.limit} left ${l.remaining}: ${l.outcome}`,
  );
}

test("record.limits: one entry per counter checked, allowed with what it held before; a 429 names the refusing counter", async (t) => {
  freezeClock(t);
  const rules = globalRules([
    { limit: { requests: 100, unit: "Hour" } }, // 1 per request, up front
    {
      clientSelectors: [{ headers: [{ name: "x-user", type: "Distinct" }] }],
      limit: { requests: 14, unit: "Minute" },
      cost: tokenCost("tokens"),
    },
  ]);
  const policy = policyOf("default/r1", inProcess(t), rules);
  const alice = () => clientCall({ headers: { "x-user": "alice" } });

  const first = await serve(policy, { costs: { tokens: 14 } }, alice());
  assert.deepEqual(first.record.limits, [
    {
      rule: "BackendTrafficPolicy default/p rateLimit.global.rules[0]",
      kind: "rate_limit",
      bucket: "",
      limit: 100,
      used: 0,
      remaining: 99,
      outcome: "allowed",
      windowEndMs: HOUR_END,
    },
    {
      rule: "BackendTrafficPolicy default/p rateLimit.global.rules[1]",
      kind: "rate_limit",
      bucket: "alice",
      limit: 14,
      used: 0,
      remaining: 14,
      outcome: "allowed",
      windowEndMs: MINUTE_END,
    },
  ]);

  const { err, ctx } = await refusedContext(policy, alice());
  assert.equal(err.status, 429);
  assert.deepEqual(decisions(ctx), [
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[0] [] 1/100 left 99: allowed",
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[1] [alice] 14/14 left 0: refused",
  ]);

  // Another user's bucket: alice's refused request added nothing to the request count.
  const bob = await admit(policy, clientCall({ headers: { "x-user": "bob" } }));
  assert.deepEqual(decisions(bob), [
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[0] [] 1/100 left 98: allowed",
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[1] [bob] 0/14 left 14: allowed",
  ]);
  // A request no rule selects (no x-user: rule 1 does not apply) has only rule 0's entry.
  assert.deepEqual(
    (await admit(policy)).record.limits?.map((l) => l.rule),
    ["BackendTrafficPolicy default/p rateLimit.global.rules[0]"],
  );
});

test("record.limits: a local refusal records the local counters only (the shared store was not asked)", async (t) => {
  freezeClock(t);
  const rules = [
    ...localRules([{ limit: { requests: 1, unit: "Hour" } }], "default/l"),
    ...globalRules([{ limit: { requests: 10, unit: "Hour" } }], "default/g"),
  ];
  const policy = policyOf("default/r1", { local: memoryStore(t), shared: memoryStore(t) }, rules);
  assert.deepEqual(decisions(await admit(policy)), [
    "rate_limit BackendTrafficPolicy default/l rateLimit.local.rules[0] [] 0/1 left 0: allowed",
    "rate_limit BackendTrafficPolicy default/g rateLimit.global.rules[0] [] 0/10 left 9: allowed",
  ]);
  const { err, ctx } = await refusedContext(policy);
  assert.equal(err.status, 429);
  assert.deepEqual(decisions(ctx), [
    "rate_limit BackendTrafficPolicy default/l rateLimit.local.rules[0] [] 1/1 left 0: refused",
  ]);
});

test("record.limits: quota counters of every backend; a spent one refused (its backend excluded), a spent shadow one shadow_refused", async (t) => {
  freezeClock(t);
  const policy = policyOf("default/r1", { local: memoryStore(t), shared: memoryStore(t) }, [], {
    quotas: compileQuotaPolicies(QUOTAS),
  });
  const rule = ruleOf([["default/b1"], ["default/b2"]]);
  const call = () => clientCall({ headers: { "x-tenant": "t1" } });
  const B1_MODEL = "quota QuotaPolicy default/q-b1 perModelQuotas[0].defaultBucket []";
  const B1_SERVICE = "quota QuotaPolicy default/q-b1 serviceQuota []";
  const B2_SHADOW = "quota QuotaPolicy default/q-b2 perModelQuotas[0].bucketRules[0] [t1]";
  const B2_SERVICE = "quota QuotaPolicy default/q-b2 serviceQuota []";

  const first = await admit(policy, call(), rule);
  assert.deepEqual(decisions(first), [
    `${B1_MODEL} 0/19 left 19: allowed`,
    `${B1_SERVICE} 0/1000 left 1000: allowed`,
    `${B2_SHADOW} 0/1 left 1: allowed`,
    `${B2_SERVICE} 0/28 left 28: allowed`,
  ]);
  assert.equal(first.record.limits?.[2]?.windowEndMs, MINUTE_END, "the shadow bucket's 1m window");
  policy.settle(first, requestRecord({ backend: "default/b1", usage: USAGE, costs: {} }));

  const second = await admit(policy, call(), rule);
  assert.deepEqual([...(second.call.excludedBackends ?? [])], ["default/b1"]);
  assert.deepEqual(decisions(second), [
    `${B1_MODEL} 19/19 left 0: refused`,
    `${B1_SERVICE} 14/1000 left 986: allowed`,
    `${B2_SHADOW} 0/1 left 1: allowed`,
    `${B2_SERVICE} 0/28 left 28: allowed`,
  ]);
  policy.settle(second, requestRecord({ backend: "default/b2", usage: USAGE, costs: {} }));

  const third = await admit(policy, call(), rule);
  assert.deepEqual(
    [...(third.call.excludedBackends ?? [])],
    ["default/b1"],
    "the shadow bucket excludes nothing",
  );
  assert.deepEqual(decisions(third), [
    `${B1_MODEL} 19/19 left 0: refused`,
    `${B1_SERVICE} 14/1000 left 986: allowed`,
    `${B2_SHADOW} 14/1 left 0: shadow_refused`,
    `${B2_SERVICE} 14/28 left 14: allowed`,
  ]);
  policy.settle(third, requestRecord({ backend: "default/b2", usage: USAGE, costs: {} }));

  // Every backend spent: the 429 names b1's quota; the record says why each backend was out.
  const { err, ctx } = await refusedContext(policy, call(), rule);
  assert.equal(err.logCode, "quota_exceeded");
  assert.deepEqual(decisions(ctx), [
    `${B1_MODEL} 19/19 left 0: refused`,
    `${B1_SERVICE} 14/1000 left 986: allowed`,
    `${B2_SHADOW} 28/1 left 0: shadow_refused`,
    `${B2_SERVICE} 28/28 left 0: refused`,
  ]);
});

test("record.limits: a degraded shared store (failing open) records its counters as unknown; failing closed too", async (t) => {
  freezeClock(t);
  const rules = [
    ...localRules([{ limit: { requests: 5, unit: "Hour" } }], "default/l"),
    ...globalRules([{ limit: { requests: 10, unit: "Hour" }, cost: tokenCost("tokens") }]),
  ];
  const open = policyOf("default/r1", { local: memoryStore(t), shared: brokenStore("open") }, rules, {
    quotas: compileQuotaPolicies(QUOTAS),
  });
  const ctx = await admit(open);
  assert.deepEqual(decisions(ctx), [
    "rate_limit BackendTrafficPolicy default/l rateLimit.local.rules[0] [] 0/5 left 4: allowed",
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[0] [] 0/10 left 10: unknown",
    "quota QuotaPolicy default/q-b1 perModelQuotas[0].defaultBucket [] 0/19 left 19: unknown",
    "quota QuotaPolicy default/q-b1 serviceQuota [] 0/1000 left 1000: unknown",
  ]);
  assert.equal(ctx.record.limits?.[1]?.windowEndMs, HOUR_END);

  for (const mode of ["closed", "throws"] as const) {
    const closed = policyOf("default/r1", { local: memoryStore(t), shared: brokenStore(mode) }, rules);
    const refused = await refusedContext(closed);
    assert.equal(refused.err.status, 503, mode);
    assert.deepEqual(
      decisions(refused.ctx),
      [
        "rate_limit BackendTrafficPolicy default/l rateLimit.local.rules[0] [] 0/5 left 4: allowed",
        "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[0] [] 0/10 left 10: unknown",
      ],
      mode,
    );
  }
});

test("record.limits: the admission estimate's refusal marks the counter it would overshoot", async (t) => {
  const policy = estimatingPolicy(t);
  const ask = (max: number) => clientCall({ raw: "", body: { model: "gpt-x", max_tokens: max } });
  assert.deepEqual(decisions(await admit(policy, ask(10))), [
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[0] [] 0/100 left 99: allowed",
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[1] [] 0/10 left 10: allowed",
  ]);
  const { err, ctx } = await refusedContext(policy, ask(11));
  assert.match(err.message, /would need about 11 of the 10 left/);
  assert.deepEqual(decisions(ctx), [
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[0] [] 1/100 left 98: allowed",
    "rate_limit BackendTrafficPolicy default/p rateLimit.global.rules[1] [] 0/10 left 10: refused",
  ]);
});

test("record.limits: a bucket selected by a credential header is a hash, never the credential", async (t) => {
  freezeClock(t);
  const rules = globalRules([
    {
      clientSelectors: [
        {
          headers: [
            { name: "x-tenant", type: "Distinct" },
            { name: "Authorization", type: "Distinct" },
          ],
        },
      ],
      limit: { requests: 10, unit: "Hour" },
    },
    {
      clientSelectors: [{ headers: [{ name: "x-tenant", type: "Distinct" }] }],
      limit: { requests: 10, unit: "Hour" },
    },
  ]);
  const policy = policyOf("default/r1", inProcess(t), rules, {
    quotas: compileQuotaPolicies([
      {
        key: "default/q",
        namespace: "default",
        spec: {
          targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: "b1" }],
          perModelQuotas: [
            {
              modelName: "gpt-x",
              quota: {
                bucketRules: [
                  {
                    clientSelectors: [{ headers: [{ name: "x-api-key", type: "Distinct" }] }],
                    quota: { limit: 5, duration: "1h" },
                  },
                ],
              },
            },
          ],
        },
      },
    ]),
  });
  const withKey = (key: string) =>
    clientCall({ headers: { "x-tenant": "acme", authorization: `Bearer ${key}`, "x-api-key": key } });
  const buckets = async (key: string) =>
    (await admit(policy, withKey(key))).record.limits!.map((l) => l.bucket);

  const [withAuth, tenantOnly, quota] = await buckets("sk-secret-1");
  assert.match(withAuth!, /^sha256:[0-9a-f]{16}$/);
  assert.match(quota!, /^sha256:[0-9a-f]{16}$/);
  assert.equal(tenantOnly, "acme", "a rule reading no credential shows its values");
  assert.deepEqual(await buckets("sk-secret-1"), [withAuth, "acme", quota], "the same bucket, the same name");
  const other = await buckets("sk-secret-2");
  assert.notEqual(other[0], withAuth, "another key, another bucket");
  assert.notEqual(other[2], quota);
  const line = JSON.stringify((await admit(policy, withKey("sk-secret-1"))).record.limits);
  assert.doesNotMatch(line, /sk-secret/);
});
