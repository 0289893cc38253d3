import assert from "node:assert/strict";
import { test } from "node:test";
import { compileRateLimit } from "../../src/limits/compile-rate-limit.js";
import { WINDOW_MS, windowIndex } from "../../src/limits/fixed-window.js";
import { costOf } from "../../src/limits/rate-limit-rule.js";

test("rules get ids and key prefixes from the policy and their position; Envoy Gateway's cost defaults", () => {
  const rules = compileRateLimit(
    {
      type: "Global",
      global: {
        rules: [
          { limit: { requests: 10, unit: "Minute" } },
          {
            limit: { requests: 500, unit: "Month" },
            shared: true,
            cost: {
              request: { from: "Number", number: 0 },
              response: { from: "Metadata", metadata: { namespace: "io.envoy.ai_gateway", key: "spend" } },
            },
          },
        ],
      },
    },
    "team/limits",
  );
  assert.equal(rules[0]!.id, "BackendTrafficPolicy team/limits rateLimit.global.rules[0]");
  assert.equal(rules[0]!.keyPrefix, "aigw:rl:team/limits:global:0:");
  assert.deepEqual(rules[0]!.requestCost, { from: "Number", number: 1 }, "no cost: each request counts 1");
  assert.deepEqual(rules[0]!.responseCost, { from: "Number", number: 0 });
  assert.equal(rules[0]!.windowMs, 60_000);
  assert.equal(rules[1]!.shared, true);
  assert.equal(rules[1]!.windowMs, 30 * 86_400_000, "a Month is the rate-limit service's 30 days");
  assert.equal(costOf(rules[1]!.responseCost, { spend: 1234 }), 1234);
  assert.equal(costOf(rules[1]!.responseCost, {}), 0);
  assert.equal(rules[0]!.local, false);
});

test("type Local rules count in the process", () => {
  const [rule] = compileRateLimit(
    { type: "Local", local: { rules: [{ limit: { requests: 1, unit: "Second" } }] } },
    "d/p",
  );
  assert.equal(rule!.local, true);
  assert.match(rule!.keyPrefix, /:local:0:$/);
});

test("fixed windows are aligned to the epoch, as the rate-limit service counts", () => {
  const now = Date.parse("2026-12-02T10:17:42.500Z");
  const hour = windowIndex(WINDOW_MS.Hour, now);
  const end = (hour + 1) * WINDOW_MS.Hour;
  assert.equal(end, Date.parse("2026-12-02T11:00:00.000Z"));
  assert.equal(windowIndex(WINDOW_MS.Hour, end), hour + 1);
  assert.equal(windowIndex(WINDOW_MS.Hour, end - 1), hour);
  assert.equal(
    windowIndex(WINDOW_MS.Month, Date.parse("1970-01-31T00:00:00Z")),
    1,
    "30-day months from the epoch",
  );
});
