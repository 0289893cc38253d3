import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { validateResource, validateResources } from "../../src/config/validate/validate-resources.js";
import { BACKEND_B_YAML } from "../support/backend-b-yaml.js";

/**
 * BackendTrafficPolicy: the CRD's schema and CEL rules, what Envoy Gateway or Envoy refuse later,
 * its references (a route or Gateway that is not there is an error), and warnings for what aigw
 * accepts but does not act on.
 */

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {gatewayClassName: aigw, listeners: [{name: http, protocol: HTTP, port: 8080}]}`;

const ROUTE = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: route}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: b}]}]
---${BACKEND_B_YAML}`;

const TO_ROUTE = "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}]";

/** A BackendTrafficPolicy `name` with the given spec lines (each already indented by two). */
function policy(body: string, name = "p", metadata = ""): string {
  return `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}${metadata}}
spec:
${body
  .trim()
  .split("\n")
  .map((l) => `  ${l}`)
  .join("\n")}`;
}

function validate(...docs: string[]) {
  return validateResources(parseConfigText(docs.join("\n---\n"), "t.yaml", {}));
}
const errorsOf = (...docs: string[]) => validate(...docs).errors.map((e) => e.message);
const warningsOf = (...docs: string[]) =>
  validate(...docs)
    .warnings.filter((w) => w.object.startsWith("BackendTrafficPolicy"))
    .map((w) => w.message);
const schemaOf = (doc: string) => parseConfigText(doc, "t.yaml", {}).flatMap(validateResource);

const FULL = policy(`
${TO_ROUTE}
retry:
  numRetries: 3
  numAttemptsPerPriority: 1
  retryOn:
    triggers: [5xx, gateway-error, reset, reset-before-request, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable]
    httpStatusCodes: [100, 429, 599]
  perRetry: {timeout: 10s, backOff: {baseInterval: 100ms, maxInterval: 1s}}
healthCheck:
  active:
    type: HTTP
    timeout: 500ms
    interval: 5s
    unhealthyThreshold: 2
    healthyThreshold: 2
    http: {path: /health, method: GET, expectedStatuses: [200, 204]}
  passive:
    splitExternalLocalOriginErrors: true
    interval: 1s
    consecutiveLocalOriginFailures: 2
    consecutiveGatewayErrors: 3
    consecutive5XxErrors: 4
    baseEjectionTime: 10s
    maxEjectionPercent: 50
circuitBreaker: {maxConnections: 10, maxPendingRequests: 20, maxParallelRequests: 30}`);

test("a policy with every resilience field aigw compiles is valid and earns no warning", () => {
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, FULL), []);
  assert.deepEqual(warningsOf(GATEWAY, ROUTE, FULL), []);
  assert.deepEqual(validate(GATEWAY, ROUTE, FULL).ignored, []);
});

test("only gateway.envoyproxy.io/v1alpha1 is read", () => {
  const doc = FULL.replace("gateway.envoyproxy.io/v1alpha1", "gateway.envoyproxy.io/v1");
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, doc), [
    'apiVersion: Unsupported value: "gateway.envoyproxy.io/v1": supported values: "gateway.envoyproxy.io/v1alpha1"',
  ]);
});

test("retry: an unknown trigger, a status code outside 100-599 and a negative numRetries are errors", () => {
  const doc = policy(`
${TO_ROUTE}
retry:
  numRetries: -1
  retryOn: {triggers: [connect-failure, 429], httpStatusCodes: [99, 600]}`);
  assert.deepEqual(schemaOf(doc), [
    "spec.retry.numRetries: Invalid value: -1: spec.retry.numRetries in body should be greater than or equal to 0",
    'spec.retry.retryOn.triggers[1]: Invalid value: "integer": spec.retry.retryOn.triggers[1] in body must be of type string: "integer"',
    "spec.retry.retryOn.httpStatusCodes[0]: Invalid value: 99: spec.retry.retryOn.httpStatusCodes[0] in body should be greater than or equal to 100",
    "spec.retry.retryOn.httpStatusCodes[1]: Invalid value: 600: spec.retry.retryOn.httpStatusCodes[1] in body should be less than or equal to 599",
  ]);
  const unknown = policy(`${TO_ROUTE}\nretry: {retryOn: {triggers: [retriable-headers]}}`);
  const [message] = schemaOf(unknown);
  assert.ok(
    message?.startsWith(
      'spec.retry.retryOn.triggers[0]: Unsupported value: "retriable-headers": supported values: "5xx", "gateway-error", "reset",',
    ),
    message,
  );
});

test("durations must match the Gateway API pattern, wherever they are", () => {
  const doc = policy(`
${TO_ROUTE}
retry: {perRetry: {timeout: 1.5s, backOff: {baseInterval: 1d}}}
healthCheck: {passive: {interval: soon}, active: {type: HTTP, timeout: "-1s", http: {path: /}}}
timeout: {tcp: {connectTimeout: 10}}`);
  const pattern = "'^([0-9]{1,5}(h|m|s|ms)){1,4}$'";
  assert.deepEqual(schemaOf(doc), [
    `spec.retry.perRetry.timeout: Invalid value: "1.5s": spec.retry.perRetry.timeout in body should match ${pattern}`,
    `spec.retry.perRetry.backOff.baseInterval: Invalid value: "1d": spec.retry.perRetry.backOff.baseInterval in body should match ${pattern}`,
    `spec.healthCheck.passive.interval: Invalid value: "soon": spec.healthCheck.passive.interval in body should match ${pattern}`,
    `spec.healthCheck.active.timeout: Invalid value: "-1s": spec.healthCheck.active.timeout in body should match ${pattern}`,
    'spec.timeout.tcp.connectTimeout: Invalid value: "integer": spec.timeout.tcp.connectTimeout in body must be of type string: "integer"',
  ]);
});

test("targets: the CRD's group and kind rules, plus AIGatewayRoute of aigateway.envoyproxy.io", () => {
  const withTargets = (refs: string) => policy(`targetRefs: ${refs}\nretry: {}`);
  assert.deepEqual(schemaOf(withTargets("[{group: gateway.networking.k8s.io, kind: Service, name: x}]")), [
    'spec: Invalid value: "object": this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute',
  ]);
  assert.deepEqual(schemaOf(withTargets("[{group: gateway.envoyproxy.io, kind: Backend, name: x}]")), [
    'spec: Invalid value: "object": this policy can only have a targetRefs[*].group of gateway.networking.k8s.io',
    'spec: Invalid value: "object": this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute',
  ]);
  assert.deepEqual(
    schemaOf(withTargets("[{group: aigateway.envoyproxy.io, kind: AIGatewayRoute, name: x}]")),
    [],
  );
  assert.deepEqual(schemaOf(policy("targetRef: {group: gateway.networking.k8s.io, kind: Secret, name: x}")), [
    'spec: Invalid value: "object": this policy can only have a targetRef.kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute',
  ]);
  // AIGatewayRoute in the Gateway API group: the CRD's kind rule, and a hint at the right group.
  assert.deepEqual(
    errorsOf(
      GATEWAY,
      ROUTE,
      withTargets("[{group: gateway.networking.k8s.io, kind: AIGatewayRoute, name: route}]"),
    ),
    [
      'spec: Invalid value: "object": this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute',
      'spec.targetRefs[0].group: Invalid value: "gateway.networking.k8s.io": kind AIGatewayRoute is of group aigateway.envoyproxy.io',
    ],
  );
  assert.deepEqual(schemaOf(policy("retry: {}")), [
    'spec: Invalid value: "object": either targetRef or targetRefs must be used',
  ]);
  assert.deepEqual(schemaOf(withTargets("[{kind: HTTPRoute, name: x}]")), [
    "spec.targetRefs[0].group: Required value",
    'spec: Invalid value: "object": this policy can only have a targetRefs[*].group of gateway.networking.k8s.io',
  ]);
});

test("healthCheck follows the CRD: type enum and its block, thresholds, percentages", () => {
  const doc = policy(`
${TO_ROUTE}
healthCheck:
  panicThreshold: 101
  active: {type: TCP, unhealthyThreshold: 0, http: {path: ""}}
  passive: {maxEjectionPercent: 101}`);
  assert.deepEqual(schemaOf(doc), [
    "spec.healthCheck.panicThreshold: Invalid value: 101: spec.healthCheck.panicThreshold in body should be less than or equal to 100",
    "spec.healthCheck.active.unhealthyThreshold: Invalid value: 0: spec.healthCheck.active.unhealthyThreshold in body should be greater than or equal to 1",
    'spec.healthCheck.active.http.path: Invalid value: "": spec.healthCheck.active.http.path in body should be at least 1 chars long',
    'spec.healthCheck.active: Invalid value: "object": If Health Checker type is HTTP, http field needs to be set.',
    'spec.healthCheck.active: Invalid value: "object": If Health Checker type is TCP, tcp field needs to be set.',
    "spec.healthCheck.passive.maxEjectionPercent: Invalid value: 101: spec.healthCheck.passive.maxEjectionPercent in body should be less than or equal to 100",
  ]);
  assert.deepEqual(schemaOf(policy(`${TO_ROUTE}\nhealthCheck: {active: {type: HTTP}}`)), [
    'spec.healthCheck.active: Invalid value: "object": If Health Checker type is HTTP, http field needs to be set.',
  ]);
  assert.deepEqual(schemaOf(policy(`${TO_ROUTE}\nhealthCheck: {active: {type: UDP}}`)), [
    'spec.healthCheck.active.type: Unsupported value: "UDP": supported values: "HTTP", "TCP", "GRPC"',
  ]);
  assert.deepEqual(schemaOf(policy(`${TO_ROUTE}\nhealthCheck: {active: {http: {path: /}}}`)), [
    'spec.healthCheck.active.type: Unsupported value: "": supported values: "HTTP", "TCP", "GRPC"',
    'spec.healthCheck.active: Invalid value: "object": If Health Checker type is HTTP, http field needs to be set.',
  ]);
  assert.deepEqual(
    schemaOf(
      policy(`${TO_ROUTE}\nhealthCheck: {active: {type: HTTP, http: {path: /, expectedStatuses: [600]}}}`),
    ),
    [
      "spec.healthCheck.active.http.expectedStatuses[0]: Invalid value: 600: spec.healthCheck.active.http.expectedStatuses[0] in body should be less than or equal to 599",
    ],
  );
});

test("circuitBreaker limits are unsigned 32-bit integers", () => {
  const doc = policy(
    `${TO_ROUTE}\ncircuitBreaker: {maxConnections: -1, maxPendingRequests: 4294967296, maxParallelRequests: many}`,
  );
  assert.deepEqual(schemaOf(doc), [
    "spec.circuitBreaker.maxConnections: Invalid value: -1: spec.circuitBreaker.maxConnections in body should be greater than or equal to 0",
    "spec.circuitBreaker.maxPendingRequests: Invalid value: 4294967296: spec.circuitBreaker.maxPendingRequests in body should be less than or equal to 4294967295",
    'spec.circuitBreaker.maxParallelRequests: Invalid value: "string": spec.circuitBreaker.maxParallelRequests in body must be of type integer: "string"',
  ]);
});

test("what Envoy Gateway or Envoy refuse later is an error: zero back-off and check intervals, max below base", () => {
  const doc = policy(`
${TO_ROUTE}
retry: {perRetry: {backOff: {baseInterval: 0s, maxInterval: 0s}}}
healthCheck:
  active: {type: HTTP, interval: 0s, http: {path: /}}
  passive: {baseEjectionTime: 0s, consecutive5XxErrors: -1}`);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, doc), [
    'spec.retry.perRetry.backOff.baseInterval: Invalid value: "0s": baseInterval cannot be set to 0s',
    'spec.retry.perRetry.backOff.maxInterval: Invalid value: "0s": maxInterval cannot be set to 0s',
    'spec.healthCheck.active.interval: Invalid value: "0s": Envoy requires a duration greater than 0s',
    'spec.healthCheck.passive.baseEjectionTime: Invalid value: "0s": Envoy requires a duration greater than 0s',
    "spec.healthCheck.passive.consecutive5XxErrors: Invalid value: -1: must not be negative (an unsigned count)",
  ]);
  assert.deepEqual(
    errorsOf(
      GATEWAY,
      ROUTE,
      policy(`${TO_ROUTE}\nretry: {perRetry: {backOff: {baseInterval: 2s, maxInterval: 1s}}}`),
    ),
    [
      'spec.retry.perRetry.backOff.maxInterval: Invalid value: "1s": maxInterval cannot be less than baseInterval',
    ],
  );
  assert.deepEqual(
    errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nretry: {perRetry: {backOff: {maxInterval: 10ms}}}`)),
    [
      'spec.retry.perRetry.backOff.maxInterval: Invalid value: "10ms": maxInterval cannot be less than the default baseInterval of 25ms',
    ],
  );
});

test("mergeType: not Replace, only with route targets", () => {
  assert.deepEqual(schemaOf(policy(`${TO_ROUTE}\nmergeType: Replace`)), [
    'spec.mergeType: Invalid value: "string": Replace is not a valid MergeType for BackendTrafficPolicySpec',
  ]);
  assert.deepEqual(
    schemaOf(
      policy(
        "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\nmergeType: JSONMerge",
      ),
    ),
    ['spec: Invalid value: "object": mergeType can only be used with xRoute targets'],
  );
  assert.deepEqual(
    schemaOf(
      policy(
        "targetRefs: [{group: aigateway.envoyproxy.io, kind: AIGatewayRoute, name: r}]\nmergeType: JSONMerge",
      ),
    ),
    [],
  );
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nmergeType: Patch`)), [
    'spec.mergeType: Invalid value: "Patch": unsupported merge type: Patch',
  ]);
});

test("a route target must name an AIGatewayRoute of the policy's namespace: an error otherwise", () => {
  assert.deepEqual(
    errorsOf(
      GATEWAY,
      ROUTE,
      policy("targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: rout}]"),
    ),
    [
      'spec.targetRefs[0].name: Not found: "rout": AIGatewayRoute default/rout, whose generated HTTPRoute this targets, is not in the configuration',
    ],
  );
  assert.deepEqual(
    errorsOf(
      GATEWAY,
      ROUTE,
      policy("targetRef: {group: aigateway.envoyproxy.io, kind: AIGatewayRoute, name: nope}"),
    ),
    ['spec.targetRef.name: Not found: "nope": AIGatewayRoute default/nope is not in the configuration'],
  );
  // The route lives in default; a policy in another namespace cannot reach it.
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, policy(TO_ROUTE, "p", ", namespace: other")), [
    'spec.targetRefs[0].name: Not found: "route": AIGatewayRoute other/route, whose generated HTTPRoute this targets, is not in the configuration',
  ]);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, policy(TO_ROUTE)), []);
});

test("an HTTPRoute that is in the files is no error, but the policy applies to nothing there: a warning", () => {
  const httpRoute = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: plain}
spec: {parentRefs: [{name: gw}]}`;
  const doc = policy("targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: plain}]");
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, httpRoute, doc), []);
  assert.deepEqual(warningsOf(GATEWAY, ROUTE, httpRoute, doc), [
    'spec.targetRefs[0].name: Invalid value: "plain": HTTPRoute default/plain is not served by aigw (it serves AIGatewayRoutes); this target applies to nothing',
  ]);
});

test("a Gateway target must name a Gateway of the configuration once it has any", () => {
  const toGateway = (name: string) =>
    policy(`targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: ${name}}]`);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, toGateway("gw")), []);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, toGateway("other")), [
    'spec.targetRefs[0].name: Not found: "other": Gateway default/other is not in the configuration',
  ]);
  // Without any Gateway (route files kept apart), the policy may still be meant for one: a warning.
  const noGateway = ROUTE.replace("parentRefs: [{name: gw}]", "");
  assert.deepEqual(errorsOf(noGateway, toGateway("gw")), []);
  assert.deepEqual(warningsOf(noGateway, toGateway("gw")), [
    'spec.targetRefs[0].name: Not found: "gw": Gateway default/gw is not in the configuration',
  ]);
});

test("two policies on one target: the oldest, then by name, attaches; the others get a warning", () => {
  const older = policy(TO_ROUTE, "b-older", ", creationTimestamp: '2024-01-01T00:00:00Z'");
  const newer = policy(TO_ROUTE, "a-newer", ", creationTimestamp: '2025-01-01T00:00:00Z'");
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, newer, older), []);
  assert.deepEqual(warningsOf(GATEWAY, ROUTE, newer, older), [
    'spec.targetRefs[0]: Invalid value: "object": Unable to target AIGatewayRoute default/route, another BackendTrafficPolicy (default/b-older) has already attached to it',
  ]);
  const result = validate(GATEWAY, ROUTE, newer, older);
  assert.equal(
    result.warnings.find((w) => w.object.startsWith("BackendTrafficPolicy"))?.object,
    "BackendTrafficPolicy default/a-newer",
  );
  // Without timestamps, by name; an HTTPRoute and an AIGatewayRoute reference to one route conflict too.
  const byKind = policy(
    "targetRefs: [{group: aigateway.envoyproxy.io, kind: AIGatewayRoute, name: route}]",
    "z",
  );
  assert.deepEqual(warningsOf(GATEWAY, ROUTE, byKind, policy(TO_ROUTE, "y")), [
    'spec.targetRefs[0]: Invalid value: "object": Unable to target AIGatewayRoute default/route, another BackendTrafficPolicy (default/y) has already attached to it',
  ]);
});

test("what aigw accepts but does not act on earns a warning, never silence", () => {
  const doc = policy(`
targetRefs:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route, sectionName: rule-a}
  - {group: gateway.networking.k8s.io, kind: GRPCRoute, name: g}
targetSelectors: [{kind: HTTPRoute, matchLabels: {app: x}}]
loadBalancer: {type: RoundRobin}
faultInjection: {abort: {httpStatus: 500}}
timeout: {http: {requestTimeout: 10s}}
healthCheck:
  panicThreshold: 0
  active: {type: TCP, tcp: {}, initialJitter: 1s}
  passive: {baseEjectionTime: 1m, alwaysEjectOneEndpoint: true}
circuitBreaker: {maxParallelRetries: 3, perEndpoint: {maxConnections: 1}}`);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, doc), []);
  assert.deepEqual(warningsOf(GATEWAY, ROUTE, doc), [
    'spec.targetRefs[0].sectionName: Invalid value: "rule-a": aigw applies policies to whole Gateways and routes only; this target is not applied',
    'spec.targetRefs[1].kind: Invalid value: "GRPCRoute": aigw serves no GRPCRoute; this target applies to nothing',
    'spec.targetSelectors: Invalid value: "array": aigw does not select targets by label; use targetRefs',
    'spec.loadBalancer: Invalid value: "object": aigw picks backends by weight and priority only',
    'spec.faultInjection: Invalid value: "object": not acted on by aigw',
    'spec.timeout: Invalid value: "object": aigw does not apply BackendTrafficPolicy timeouts; use the AIGatewayRoute rule\'s timeouts',
    "spec.healthCheck.panicThreshold: Invalid value: 0: aigw routes to all backends only when none is healthy",
    "spec.healthCheck.passive.alwaysEjectOneEndpoint: Invalid value: true: not acted on by aigw",
    'spec.healthCheck.passive.baseEjectionTime: Invalid value: "1m": aigw ends every ejection after at most 30s',
    'spec.healthCheck.active.type: Invalid value: "TCP": aigw runs HTTP active health checks only; this one is not run',
    'spec.healthCheck.active.initialJitter: Invalid value: "1s": not acted on by aigw',
    "spec.circuitBreaker.maxParallelRetries: Invalid value: 3: not acted on by aigw",
    'spec.circuitBreaker.perEndpoint: Invalid value: "object": not acted on by aigw',
  ]);
});

test("the Envoy-specific blocks aigw does not act on are accepted in any shape; rateLimit is not", () => {
  assert.deepEqual(schemaOf(policy(`${TO_ROUTE}\nloadBalancer: 42\nfaultInjection: [1]`)), []);
  // validate-rate-limit.test.ts has the rest of rateLimit's schema.
  assert.deepEqual(schemaOf(policy(`${TO_ROUTE}\nrateLimit: 42`)), [
    'spec.rateLimit: Invalid value: "integer": spec.rateLimit in body must be of type object: "integer"',
  ]);
});
