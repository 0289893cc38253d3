import assert from "node:assert/strict";
import { test } from "node:test";
import { compileRoute, type RouteCompileContext } from "../../src/config/compile-routes.js";
import {
  compileTrafficPolicies,
  compileTrafficPolicy,
  trafficPolicyFromSpec,
} from "../../src/config/compile-traffic-policies.js";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { ResourceIndex } from "../../src/config/resource-index.js";
import { DEFAULT_TRAFFIC_POLICY } from "../../src/upstream/traffic-policy.js";

/**
 * BackendTrafficPolicy -> TrafficPolicy: which policy applies to a route, Envoy Gateway's defaults
 * for what a present block leaves out, and every mapped field.
 */

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {gatewayClassName: aigw, listeners: [{name: http, protocol: HTTP, port: 8080}]}`;

function policy(name: string, target: string, body: string, metadata = ""): string {
  return `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}${metadata}}
spec:
  targetRefs: [${target}]
${body
  .trim()
  .split("\n")
  .map((l) => `  ${l}`)
  .join("\n")}`;
}
const TO_GATEWAY = "{group: gateway.networking.k8s.io, kind: Gateway, name: gw}";
const toHTTPRoute = (name: string) => `{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${name}}`;
const toAIGatewayRoute = (name: string) =>
  `{group: aigateway.envoyproxy.io, kind: AIGatewayRoute, name: ${name}}`;

/** The lookup over these documents, with the configuration's Gateway; warnings are collected. */
function lookup(...docs: string[]) {
  const index = new ResourceIndex(parseConfigText(docs.join("\n---\n"), "t.yaml", {}));
  const warnings: string[] = [];
  const of = compileTrafficPolicies(index, index.list("Gateway")[0], (m) => warnings.push(m));
  return { of, warnings };
}

const fromYaml = (body: string) =>
  trafficPolicyFromSpec(parseConfigText(policy("p", TO_GATEWAY, body), "t.yaml", {})[0]!.spec!);

test("no policy: every route gets DEFAULT_TRAFFIC_POLICY", () => {
  const { of } = lookup(GATEWAY);
  assert.equal(of("default", "route"), DEFAULT_TRAFFIC_POLICY);
});

test("a policy on the Gateway applies to every route; one on a route replaces it for that route", () => {
  const { of } = lookup(
    GATEWAY,
    policy("on-gateway", TO_GATEWAY, "retry: {numRetries: 7}"),
    policy("on-route", toHTTPRoute("a"), "retry: {numRetries: 1}\ncircuitBreaker: {}"),
    policy("on-ai-route", toAIGatewayRoute("b"), "healthCheck: {passive: {}}"),
  );
  assert.equal(of("default", "other").source, "default/on-gateway");
  assert.equal(of("default", "other").retry.numRetries, 7);
  assert.equal(of("default", "a").source, "default/on-route");
  assert.equal(of("default", "a").retry.numRetries, 1);
  assert.ok(of("default", "a").circuitBreaker);
  // Replaced, not merged: b's policy has no retry block, so b gets the no-policy retry.
  assert.equal(of("default", "b").source, "default/on-ai-route");
  assert.equal(of("default", "b").retry, DEFAULT_TRAFFIC_POLICY.retry);
  assert.equal(of("default", "b").passive.baseEjectionMs, 30_000);
  // Compiled once per policy: routes sharing one share the object.
  assert.equal(of("default", "other"), of("default", "another"));
});

test("targets are local: a route policy reaches routes of its namespace, a Gateway policy its Gateway", () => {
  const { of } = lookup(
    GATEWAY,
    policy("elsewhere", toHTTPRoute("a"), "retry: {}", ", namespace: team"),
    policy("gw-elsewhere", TO_GATEWAY, "retry: {}", ", namespace: team"),
    policy("other-gw", "{group: gateway.networking.k8s.io, kind: Gateway, name: not-served}", "retry: {}"),
  );
  assert.equal(of("default", "a"), DEFAULT_TRAFFIC_POLICY);
  assert.equal(of("team", "a").source, "team/elsewhere");
  assert.equal(of("team", "b"), DEFAULT_TRAFFIC_POLICY);
});

test("no Gateway in the configuration: Gateway policies apply to nothing", () => {
  const { of } = lookup(policy("on-gateway", TO_GATEWAY, "retry: {}"));
  assert.equal(of("default", "a"), DEFAULT_TRAFFIC_POLICY);
});

test("targets with a sectionName are not applied", () => {
  const { of } = lookup(
    GATEWAY,
    policy(
      "rule-only",
      "{group: gateway.networking.k8s.io, kind: HTTPRoute, name: a, sectionName: r0}",
      "retry: {}",
    ),
  );
  assert.equal(of("default", "a"), DEFAULT_TRAFFIC_POLICY);
});

test("two policies on one target: the oldest creationTimestamp wins, then namespace and name", () => {
  const newer = policy(
    "a-newer",
    toHTTPRoute("r"),
    "retry: {numRetries: 1}",
    ", creationTimestamp: '2025-01-01T00:00:00Z'",
  );
  const older = policy(
    "b-older",
    toHTTPRoute("r"),
    "retry: {numRetries: 2}",
    ", creationTimestamp: '2024-01-01T00:00:00Z'",
  );
  assert.equal(lookup(GATEWAY, newer, older).of("default", "r").source, "default/b-older");
  const y = policy("y", toHTTPRoute("r"), "retry: {}");
  const x = policy("x", toAIGatewayRoute("r"), "retry: {}");
  assert.equal(lookup(GATEWAY, y, x).of("default", "r").source, "default/x");
});

test("mergeType: the route's policy is merged over the Gateway's, field by field", () => {
  const { of } = lookup(
    GATEWAY,
    policy(
      "base",
      TO_GATEWAY,
      "retry: {numRetries: 4, retryOn: {triggers: [reset, 5xx]}}\nhealthCheck: {passive: {consecutive5XxErrors: 9}}",
    ),
    policy(
      "patch",
      toHTTPRoute("r"),
      "mergeType: JSONMerge\nretry: {numRetries: 6, retryOn: {triggers: [connect-failure]}}\nhealthCheck: null",
    ),
  );
  const merged = of("default", "r");
  assert.equal(merged.source, "default/patch");
  assert.equal(merged.retry.numRetries, 6);
  // Lists replace.
  assert.deepEqual([...merged.retry.triggers], ["connect-failure"]);
  // A null is as absent (Envoy Gateway merges the typed policy): the Gateway's passive check stays.
  assert.equal(merged.passive.consecutive5xxErrors, 9);
  // Without mergeType the route's policy replaces the Gateway's.
  const replaced = lookup(
    GATEWAY,
    policy("base", TO_GATEWAY, "healthCheck: {passive: {consecutive5XxErrors: 9}}"),
    policy("own", toHTTPRoute("r"), "retry: {}"),
  );
  assert.equal(replaced.of("default", "r").passive, DEFAULT_TRAFFIC_POLICY.passive);
  // Without a Gateway policy to merge into, the route's stands alone.
  const alone = lookup(GATEWAY, policy("patch", toHTTPRoute("r"), "mergeType: StrategicMerge\nretry: {}"));
  assert.equal(alone.of("default", "r").retry.numRetries, 2);
});

test("retry present with nothing in it: Envoy Gateway's defaults", () => {
  const retry = fromYaml("retry: {}").retry;
  assert.equal(retry.numRetries, 2);
  assert.equal(retry.numAttemptsPerPriority, 0);
  assert.deepEqual(
    [...retry.triggers],
    ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"],
  );
  assert.deepEqual([...retry.statusCodes], [503]);
  assert.equal(retry.perTryTimeoutMs, 0);
  assert.equal(retry.backOffBaseMs, 25);
  assert.equal(retry.backOffMaxMs, 250);
  assert.equal(retry.failoverStatusToNextTier, false);
});

test("retry: every field mapped", () => {
  const retry = fromYaml(`
retry:
  numRetries: 5
  numAttemptsPerPriority: 1
  retryOn: {triggers: [5xx, reset], httpStatusCodes: [429, 500, 429]}
  perRetry: {timeout: 1m30s, backOff: {baseInterval: 100ms, maxInterval: 2s}}`).retry;
  assert.equal(retry.numRetries, 5);
  assert.equal(retry.numAttemptsPerPriority, 1);
  assert.deepEqual([...retry.triggers], ["5xx", "reset"]);
  assert.deepEqual([...retry.statusCodes], [429, 500]);
  assert.equal(retry.perTryTimeoutMs, 90_000);
  assert.equal(retry.backOffBaseMs, 100);
  assert.equal(retry.backOffMaxMs, 2_000);
  assert.equal(retry.failoverStatusToNextTier, false);
});

test("retryOn as Envoy Gateway reads it: triggers alone drop the default 503, codes alone keep the default triggers", () => {
  const triggersOnly = fromYaml("retry: {retryOn: {triggers: [retriable-status-codes]}}").retry;
  assert.deepEqual([...triggersOnly.statusCodes], []);
  const codesOnly = fromYaml("retry: {retryOn: {httpStatusCodes: [502]}}").retry;
  assert.deepEqual(
    [...codesOnly.triggers],
    ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"],
  );
  assert.deepEqual([...codesOnly.statusCodes], [502]);
  const backOff = fromYaml("retry: {perRetry: {backOff: {baseInterval: 1s}}}").retry;
  assert.deepEqual([backOff.backOffBaseMs, backOff.backOffMaxMs], [1_000, 10_000]);
  const maxOnly = fromYaml("retry: {perRetry: {backOff: {maxInterval: 1s}}}").retry;
  assert.deepEqual([maxOnly.backOffBaseMs, maxOnly.backOffMaxMs], [25, 1_000]);
  assert.equal(fromYaml("retry: {numAttemptsPerPriority: -3}").retry.numAttemptsPerPriority, 0);
});

test("a policy without retry keeps the no-policy retry; without healthCheck.passive the no-policy passive", () => {
  const p = fromYaml("circuitBreaker: {}");
  assert.equal(p.retry, DEFAULT_TRAFFIC_POLICY.retry);
  assert.equal(p.passive, DEFAULT_TRAFFIC_POLICY.passive);
  assert.equal(p.active, undefined);
  assert.equal(p.source, "default/test");
  assert.equal(p.retryAfterMaxMs, DEFAULT_TRAFFIC_POLICY.retryAfterMaxMs);
});

test("healthCheck.passive present with nothing in it: Envoy Gateway's defaults, ejections bounded at 30 s", () => {
  assert.deepEqual(fromYaml("healthCheck: {passive: {}}").passive, {
    consecutive5xxErrors: 5,
    consecutiveGatewayErrors: 0,
    // Without the split Envoy does not read consecutiveLocalOriginFailures.
    consecutiveLocalOriginFailures: 0,
    splitExternalLocalOriginErrors: false,
    intervalMs: 3_000,
    baseEjectionMs: 30_000,
    maxEjectionMs: 30_000,
    maxEjectionPercent: 10,
  });
});

test("healthCheck.passive: every field mapped", () => {
  const passive = fromYaml(`
healthCheck:
  passive:
    splitExternalLocalOriginErrors: true
    interval: 1s
    consecutiveLocalOriginFailures: 2
    consecutiveGatewayErrors: 3
    consecutive5XxErrors: 4
    baseEjectionTime: 10s
    maxEjectionPercent: 50`).passive;
  assert.deepEqual(passive, {
    consecutive5xxErrors: 4,
    consecutiveGatewayErrors: 3,
    consecutiveLocalOriginFailures: 2,
    splitExternalLocalOriginErrors: true,
    intervalMs: 1_000,
    baseEjectionMs: 10_000,
    maxEjectionMs: 30_000,
    maxEjectionPercent: 50,
  });
  const split = fromYaml("healthCheck: {passive: {splitExternalLocalOriginErrors: true}}").passive;
  assert.equal(split.consecutiveLocalOriginFailures, 5);
  // 0 leaves Envoy's max_ejection_percent unset, which is 10 %.
  assert.equal(fromYaml("healthCheck: {passive: {maxEjectionPercent: 0}}").passive.maxEjectionPercent, 10);
  // A longer base ejection is still bounded (validation warns about it).
  assert.equal(fromYaml("healthCheck: {passive: {baseEjectionTime: 5m}}").passive.maxEjectionMs, 30_000);
});

test("healthCheck.active HTTP: Envoy Gateway's defaults, and every field mapped", () => {
  assert.deepEqual(fromYaml("healthCheck: {active: {type: HTTP, http: {path: /health}}}").active, {
    path: "/health",
    method: "GET",
    intervalMs: 3_000,
    timeoutMs: 1_000,
    unhealthyThreshold: 3,
    healthyThreshold: 1,
    expectedStatuses: [200],
  });
  const active = fromYaml(`
healthCheck:
  active:
    type: HTTP
    timeout: 500ms
    interval: 5s
    unhealthyThreshold: 2
    healthyThreshold: 4
    http: {path: /ready, method: head, expectedStatuses: [204, 200, 204]}`).active;
  assert.deepEqual(active, {
    path: "/ready",
    method: "HEAD",
    intervalMs: 5_000,
    timeoutMs: 500,
    unhealthyThreshold: 2,
    healthyThreshold: 4,
    expectedStatuses: [200, 204],
  });
});

test("healthCheck.active TCP or GRPC: a warning and no active check", () => {
  for (const type of ["TCP", "GRPC"]) {
    const warnings: string[] = [];
    const body = type === "TCP" ? "{type: TCP, tcp: {}}" : "{type: GRPC}";
    const spec = parseConfigText(policy("p", TO_GATEWAY, `healthCheck: {active: ${body}}`), "t.yaml", {})[0]!
      .spec;
    const p = compileTrafficPolicy(spec, "default/p", (m) => warnings.push(m));
    assert.equal(p.active, undefined);
    assert.deepEqual(warnings, [
      `BackendTrafficPolicy default/p: healthCheck.active type ${type} is not supported (aigw runs HTTP checks only); no active health check`,
    ]);
    assert.throws(() => trafficPolicyFromSpec(spec!), /not supported/);
  }
  // Warned once per policy, however many routes it applies to.
  const { of, warnings } = lookup(GATEWAY, policy("p", TO_GATEWAY, "healthCheck: {active: {type: GRPC}}"));
  of("default", "a");
  of("default", "b");
  assert.equal(warnings.length, 1);
});

test("circuitBreaker: 1024 each when the block is present, else the given limits", () => {
  assert.deepEqual(fromYaml("circuitBreaker: {}").circuitBreaker, {
    maxConnections: 1024,
    maxPendingRequests: 1024,
    maxParallelRequests: 1024,
  });
  assert.deepEqual(
    fromYaml("circuitBreaker: {maxConnections: 1, maxPendingRequests: 0, maxParallelRequests: 3}")
      .circuitBreaker,
    { maxConnections: 1, maxPendingRequests: 0, maxParallelRequests: 3 },
  );
  assert.equal(fromYaml("retry: {}").circuitBreaker, undefined);
});

test("compileRoute: a route carries its TrafficPolicy and each rule its streamIdleTimeout", () => {
  const docs = [
    GATEWAY,
    policy("on-route", toHTTPRoute("r"), "retry: {numRetries: 3}"),
    `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  rules:
    - {name: streamed, streamIdleTimeout: 1m5s}
    - {name: plain}`,
  ];
  const resources = parseConfigText(docs.join("\n---\n"), "t.yaml", {});
  const index = new ResourceIndex(resources);
  const ctx: RouteCompileContext = {
    backends: new Map(),
    backendMutations: new Map(),
    globalCosts: [],
    defaultCreatedAt: 0,
    trafficPolicyOf: compileTrafficPolicies(index, index.list("Gateway")[0], assert.fail),
    limitPoliciesOf: () => [],
    warn: assert.fail,
  };
  const route = compileRoute(index.list("AIGatewayRoute")[0]!, ctx);
  assert.equal(route.traffic.source, "default/on-route");
  assert.equal(route.traffic.retry.numRetries, 3);
  assert.deepEqual(
    route.rules.map((r) => r.streamIdleTimeoutMs),
    [65_000, 0],
  );
});

test("the aigw/retry-after-max annotation caps how long a Retry-After keeps a backend out", () => {
  const { of, warnings } = lookup(
    GATEWAY,
    policy("on-gateway", TO_GATEWAY, "retry: {numRetries: 1}", ', annotations: {"aigw/retry-after-max": 5s}'),
    policy(
      "on-route",
      toHTTPRoute("a"),
      "retry: {numRetries: 1}",
      ', annotations: {"aigw/retry-after-max": soon}',
    ),
  );
  assert.equal(of("default", "other").retryAfterMaxMs, 5_000);
  assert.equal(of("default", "a").retryAfterMaxMs, DEFAULT_TRAFFIC_POLICY.retryAfterMaxMs);
  assert.equal(DEFAULT_TRAFFIC_POLICY.retryAfterMaxMs, 60_000);
  assert.deepEqual(warnings, [
    'BackendTrafficPolicy default/on-route: annotation aigw/retry-after-max: "soon" is not a duration; using 60s',
  ]);
});
