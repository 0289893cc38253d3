import assert from "node:assert/strict";
import { test } from "node:test";
import type { CompiledBackendRef } from "../../src/config/snapshot.js";
import { BackendHealthRegistry } from "../../src/upstream/backend-health.js";
import { Candidates } from "../../src/upstream/candidates.js";
import { DEFAULT_TRAFFIC_POLICY, type TrafficPolicy } from "../../src/upstream/traffic-policy.js";

function ref(key: string, weight = 1): CompiledBackendRef {
  return { backend: { key }, weight, priority: 0 } as unknown as CompiledBackendRef;
}

function withPolicy(
  retry: Partial<TrafficPolicy["retry"]>,
  extra: Partial<TrafficPolicy> = {},
): TrafficPolicy {
  return {
    ...DEFAULT_TRAFFIC_POLICY,
    source: "default/btp",
    retry: { ...DEFAULT_TRAFFIC_POLICY.retry, failoverStatusToNextTier: false, ...retry },
    ...extra,
  };
}

function keys(c: Candidates, n: number): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) out.push(c.next()?.backend.key);
  return out;
}

test("the no-policy default tries each backend once, lowest priority tier first", () => {
  const tiers = [[ref("a")], [ref("b")]];
  const c = new Candidates(tiers, DEFAULT_TRAFFIC_POLICY, new BackendHealthRegistry(), 0);
  assert.deepEqual(keys(c, 3), ["a", "b", undefined]);
  assert.equal(c.reason, "exhausted");
});

test("within a tier the order is a weighted shuffle without repeats", () => {
  const tiers = [[ref("a", 1), ref("b", 3)]];
  // random() = 0.5 of a total weight 4 lands in b's share; the remaining a comes next.
  const c = new Candidates(tiers, DEFAULT_TRAFFIC_POLICY, new BackendHealthRegistry(), 0, () => 0.5);
  assert.deepEqual(keys(c, 2), ["b", "a"]);
  const d = new Candidates(tiers, DEFAULT_TRAFFIC_POLICY, new BackendHealthRegistry(), 0, () => 0.1);
  assert.deepEqual(keys(d, 2), ["a", "b"]);
});

test("a policy without `retry` keeps the default's try-each-once order", () => {
  const policy: TrafficPolicy = { ...DEFAULT_TRAFFIC_POLICY, source: "default/only-health-check" };
  const c = new Candidates([[ref("a")]], policy, new BackendHealthRegistry(), 0);
  assert.deepEqual(keys(c, 2), ["a", undefined]);
});

test("a user's retry policy wraps around to retry the same backends", () => {
  const c = new Candidates([[ref("a")]], withPolicy({ numRetries: 3 }), new BackendHealthRegistry(), 0);
  assert.deepEqual(keys(c, 3), ["a", "a", "a"]);
});

test("numAttemptsPerPriority gives each tier that many attempts before the next", () => {
  const tiers = [[ref("a")], [ref("b")]];
  const c = new Candidates(tiers, withPolicy({ numAttemptsPerPriority: 2 }), new BackendHealthRegistry(), 0);
  assert.deepEqual(keys(c, 5), ["a", "a", "b", "b", "a"]);
});

test("ejected and paused backends are passed over; with none left, all are tried (panic)", () => {
  const health = new BackendHealthRegistry();
  health.get("a").pauseUntil(1000);
  const c = new Candidates([[ref("a")], [ref("b")]], DEFAULT_TRAFFIC_POLICY, health, 0);
  assert.deepEqual(keys(c, 2), ["b", undefined]);
  health.get("b").pauseUntil(1000);
  const panic = new Candidates([[ref("a")], [ref("b")]], DEFAULT_TRAFFIC_POLICY, health, 0);
  assert.deepEqual(keys(panic, 2), ["a", "b"]);
  const later = new Candidates([[ref("a")], [ref("b")]], DEFAULT_TRAFFIC_POLICY, health, 1000);
  assert.deepEqual(keys(later, 1), ["a"], "back once the pause is over");
});

test("a backend at its circuit-breaker limit is skipped; when all are, the reason is overflow", () => {
  const health = new BackendHealthRegistry();
  const policy = withPolicy(
    {},
    { circuitBreaker: { maxConnections: 2, maxPendingRequests: 0, maxParallelRequests: 10 } },
  );
  health.get("a").inFlight = 2;
  const c = new Candidates([[ref("a")], [ref("b")]], policy, health, 0);
  assert.equal(c.next()?.backend.key, "b");
  health.get("b").inFlight = 2;
  const full = new Candidates([[ref("a")], [ref("b")]], policy, health, 0);
  assert.equal(full.next(), undefined);
  assert.equal(full.reason, "overflow");
});

test("hasLaterTier and moveToNextTier skip what is left of the current tier", () => {
  const c = new Candidates(
    [[ref("a"), ref("a2")], [ref("b")]],
    DEFAULT_TRAFFIC_POLICY,
    new BackendHealthRegistry(),
    0,
  );
  c.next();
  assert.equal(c.hasLaterTier(), true);
  c.moveToNextTier();
  assert.equal(c.next()?.backend.key, "b");
  assert.equal(c.hasLaterTier(), false);
});

test("a rule without backends has nothing to offer", () => {
  const c = new Candidates([], DEFAULT_TRAFFIC_POLICY, new BackendHealthRegistry(), 0);
  assert.equal(c.next(), undefined);
  assert.equal(c.reason, "none_configured");
});
