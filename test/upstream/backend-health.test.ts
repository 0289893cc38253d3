import assert from "node:assert/strict";
import { test } from "node:test";
import { BackendHealth, BackendHealthRegistry } from "../../src/upstream/backend-health.js";
import { DEFAULT_TRAFFIC_POLICY, type PassiveHealthCheck } from "../../src/upstream/traffic-policy.js";

const passive: PassiveHealthCheck = {
  ...DEFAULT_TRAFFIC_POLICY.passive,
  consecutive5xxErrors: 3,
  consecutiveGatewayErrors: 0,
  consecutiveLocalOriginFailures: 2,
  baseEjectionMs: 1000,
  maxEjectionMs: 2500,
};

test("consecutive 5xx eject a backend for the base time; a success in between resets the count", () => {
  const h = new BackendHealth("default/b");
  assert.equal(h.record("5xx", passive, 0, true), false);
  assert.equal(h.record("5xx", passive, 0, true), false);
  assert.equal(h.record("success", passive, 0, true), false);
  assert.equal(h.record("5xx", passive, 0, true), false);
  assert.equal(h.record("gateway-error", passive, 0, true), false);
  assert.equal(h.record("5xx", passive, 10, true), true);
  assert.equal(h.available(500), false);
  assert.equal(h.available(1010), true);
});

test("local-origin failures have their own, lower threshold", () => {
  const h = new BackendHealth("default/b");
  h.record("local-origin", passive, 0, true);
  assert.equal(h.record("local-origin", passive, 0, true), true);
});

test("repeated ejections grow the ejection time, bounded by maxEjectionMs", () => {
  const h = new BackendHealth("default/b");
  const ejectAt = (t: number) => {
    h.record("local-origin", passive, t, true);
    return h.record("local-origin", passive, t, true);
  };
  assert.equal(ejectAt(0), true);
  assert.equal(h.describe(0).ejectedForMs, 1000);
  assert.equal(ejectAt(1000), true);
  assert.equal(h.describe(1000).ejectedForMs, 2000);
  assert.equal(ejectAt(3000), true);
  assert.equal(h.describe(3000).ejectedForMs, 2500, "capped so a recovered backend is soon back");
});

test("a backend that maxEjectionPercent protects is not ejected", () => {
  const h = new BackendHealth("default/b");
  h.record("local-origin", passive, 0, false);
  assert.equal(h.record("local-origin", passive, 0, false), false);
  assert.equal(h.available(0), true);
});

test("Retry-After pauses a backend until then; an earlier pause does not shorten a later one", () => {
  const h = new BackendHealth("default/b");
  h.pauseUntil(5000);
  h.pauseUntil(1000);
  assert.equal(h.available(4999), false);
  assert.equal(h.available(5000), true);
});

test("the registry keeps one state per backend and forgets removed ones", () => {
  const r = new BackendHealthRegistry();
  const a = r.get("default/a");
  a.inFlight = 3;
  assert.equal(r.get("default/a").inFlight, 3);
  r.retainOnly(["default/b"]);
  assert.equal(r.get("default/a").inFlight, 0);
});

test("with splitExternalLocalOriginErrors, local-origin failures do not feed the 5xx detector", () => {
  const split = { ...passive, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 0 };
  const h = new BackendHealth("default/b");
  for (let i = 0; i < 5; i++) assert.equal(h.record("local-origin", split, 0, true), false);
  const joined = new BackendHealth("default/c");
  const unsplit = { ...split, splitExternalLocalOriginErrors: false };
  h.record("5xx", unsplit, 0, true);
  joined.record("local-origin", unsplit, 0, true);
  joined.record("local-origin", unsplit, 0, true);
  assert.equal(
    joined.record("local-origin", unsplit, 0, true),
    true,
    "three failures reach consecutive5xxErrors",
  );
});

test("ejections are counted for /metrics, also once the growing ejection time has started over", () => {
  const registry = new BackendHealthRegistry();
  const h = registry.get("default/b");
  registry.get("default/never");
  const ejectAt = (t: number) => {
    h.record("local-origin", passive, t, true);
    return h.record("local-origin", passive, t, true);
  };
  assert.equal(ejectAt(0), true);
  assert.equal(ejectAt(2000), true);
  // Long healthy since the last ejection ended: the ejection time starts over, the count does not.
  assert.equal(ejectAt(100_000), true);
  assert.equal(h.describe(100_000).ejections, 1);
  assert.deepEqual(registry.ejectionCounts(), [["default/b", 3]]);
});

test("an ejection is remembered with its time and the detector that tripped, and counted since the start", () => {
  const h = new BackendHealth("default/b");
  assert.equal(h.describe(0).lastEjection, undefined);
  h.record("5xx", passive, 0, true);
  h.record("5xx", passive, 0, true);
  h.record("5xx", passive, 40, true);
  assert.deepEqual(h.describe(40).lastEjection, { at: 40, reason: "3 consecutive 5xx" });
  // Connection failures also count as 5xx; the reason names what really happened.
  h.record("local-origin", passive, 5000, true);
  h.record("local-origin", passive, 5000, true);
  const after = h.describe(5000);
  assert.deepEqual(after.lastEjection, {
    at: 5000,
    reason: "2 consecutive connection failures (refused, reset or timed out)",
  });
  assert.equal(after.totalEjections, 2);
});

test("gateway errors name their own detector", () => {
  const h = new BackendHealth("default/b");
  const gateway = { ...passive, consecutive5xxErrors: 0, consecutiveGatewayErrors: 2 };
  h.record("gateway-error", gateway, 0, true);
  h.record("gateway-error", gateway, 0, true);
  assert.equal(h.describe(0).lastEjection?.reason, "2 consecutive gateway errors (502, 503, 504)");
});

test("without a local-origin detector, a run of connection failures that trips the 5xx one is named for them", () => {
  const noSplit = { ...passive, consecutive5xxErrors: 2, consecutiveLocalOriginFailures: 0 };
  const refused = new BackendHealth("default/a");
  refused.record("local-origin", noSplit, 0, true);
  refused.record("local-origin", noSplit, 0, true);
  assert.equal(
    refused.describe(0).lastEjection?.reason,
    "2 consecutive connection failures (refused, reset or timed out)",
  );
  const mixed = new BackendHealth("default/b");
  mixed.record("5xx", noSplit, 0, true);
  mixed.record("local-origin", noSplit, 0, true);
  assert.equal(mixed.describe(0).lastEjection?.reason, "2 consecutive 5xx");
});

test("find() reads a backend's health without creating it", () => {
  const registry = new BackendHealthRegistry();
  assert.equal(registry.find("default/b"), undefined);
  const h = registry.get("default/b");
  assert.equal(registry.find("default/b"), h);
});

test("ejectionsSince counts the ejections of a recent window", () => {
  const h = new BackendHealth("default/b");
  const ejectAt = (t: number) => {
    h.record("local-origin", passive, t, true);
    h.record("local-origin", passive, t, true);
  };
  ejectAt(0);
  ejectAt(10_000);
  ejectAt(20_000);
  assert.equal(h.ejectionsSince(0), 3);
  assert.equal(h.ejectionsSince(5_000), 2);
  assert.equal(h.ejectionsSince(30_000), 0);
});
