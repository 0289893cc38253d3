import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuthPolicy } from "../../src/auth/auth-policy.js";
import { compileSecurityPolicies } from "../../src/config/compile-security-policies.js";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { ResourceIndex } from "../../src/config/resource-index.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import { authRequest } from "../auth/auth-request.js";

/**
 * Which SecurityPolicy applies where: a route's own replaces the Gateway's; the oldest of two on
 * one target wins; an HTTPRoute target names the AIGatewayRoute of that name, as does an
 * AIGatewayRoute target; each applied policy is compiled once and shared.
 */

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {gatewayClassName: aigw, listeners: [{name: http, protocol: HTTP, port: 8080}]}`;

const route = (name: string, matches = "") => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  rules: [{${matches}backendRefs: [{name: b}]}]`;

const secret = (name: string, client: string) => `
apiVersion: v1
kind: Secret
metadata: {name: ${name}, annotations: {aigw/client-headers: '${client}: {x-tier: gold}'}}
stringData: {${client}: key-${client}}`;

const policy = (name: string, target: string, keys: string, created = "2024-01-01T00:00:00Z") => `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: ${name}, creationTimestamp: '${created}'}
spec:
  targetRefs: [${target}]
  apiKeyAuth: {credentialRefs: [{name: ${keys}}], extractFrom: [{headers: [x-api-key]}]}`;

const ON_GATEWAY = "{group: gateway.networking.k8s.io, kind: Gateway, name: gw}";
const onHTTPRoute = (name: string) => `{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${name}}`;
const onAIGatewayRoute = (name: string) =>
  `{group: aigateway.envoyproxy.io, kind: AIGatewayRoute, name: ${name}}`;

function compile(...docs: string[]) {
  const index = new ResourceIndex(parseConfigText(docs.join("\n---\n"), "t.yaml", {}));
  return compileSecurityPolicies(index, index.list("Gateway")[0], assert.fail);
}

/** Who `policy` lets in with `key` (undefined when it refuses). */
function consumerOf(policy: AuthPolicy | undefined, key: string): string | undefined {
  assert.ok(policy, "a policy applies");
  try {
    const identity = policy.check(authRequest({ "x-api-key": key }));
    assert.ok(!(identity instanceof Promise), "API keys are checked synchronously");
    return identity.consumer;
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return undefined;
  }
}

test("a route's own policy replaces the Gateway's; other routes get the Gateway's; both by HTTPRoute or AIGatewayRoute", () => {
  const policies = compile(
    GATEWAY,
    route("plain"),
    route("own"),
    route("direct"),
    secret("gw-keys", "alice"),
    secret("own-keys", "carol"),
    secret("direct-keys", "dave"),
    policy("on-gateway", ON_GATEWAY, "gw-keys"),
    policy("on-own", onHTTPRoute("own"), "own-keys"),
    policy("on-direct", onAIGatewayRoute("direct"), "direct-keys"),
  );
  assert.equal(policies.gateway?.source, "default/on-gateway");
  assert.equal(policies.ofRoute("default", "plain"), policies.gateway, "compiled once, shared");
  assert.equal(consumerOf(policies.ofRoute("default", "plain"), "key-alice"), "alice");
  assert.equal(consumerOf(policies.ofRoute("default", "own"), "key-alice"), undefined);
  assert.equal(consumerOf(policies.ofRoute("default", "own"), "key-carol"), "carol");
  assert.equal(consumerOf(policies.ofRoute("default", "direct"), "key-dave"), "dave");
  assert.equal(
    policies.ofRoute("other", "own"),
    policies.gateway,
    "a route of another namespace is another route",
  );
});

test("no policy anywhere: nothing applies, the Gateway has none either", () => {
  const policies = compile(GATEWAY, route("plain"));
  assert.equal(policies.gateway, undefined);
  assert.equal(policies.ofRoute("default", "plain"), undefined);
});

test("two policies on one target: the oldest attaches, as Envoy Gateway orders them", () => {
  const policies = compile(
    GATEWAY,
    route("r"),
    secret("a", "alice"),
    secret("b", "bob"),
    policy("newer", onHTTPRoute("r"), "b", "2025-06-01T00:00:00Z"),
    policy("older", onHTTPRoute("r"), "a", "2024-06-01T00:00:00Z"),
  );
  assert.equal(policies.ofRoute("default", "r")?.source, "default/older");
});

test("a policy aimed at another Gateway applies to nothing here", () => {
  const policies = compile(
    GATEWAY,
    route("r"),
    secret("a", "alice"),
    policy("elsewhere", "{group: gateway.networking.k8s.io, kind: Gateway, name: other}", "a"),
  );
  assert.equal(policies.gateway, undefined);
  assert.equal(policies.ofRoute("default", "r"), undefined);
});

test("a policy producing a header a route rule matches on re-routes after its check", () => {
  const matchesTier = "matches: [{headers: [{name: X-Tier, value: gold}]}], ";
  const policies = compile(
    GATEWAY,
    route("by-tier", matchesTier),
    secret("a", "alice"),
    policy("p", ON_GATEWAY, "a"),
  );
  assert.equal(policies.gateway?.reroutes, true);
  const plain = compile(GATEWAY, route("r"), secret("a", "alice"), policy("p", ON_GATEWAY, "a"));
  assert.equal(plain.gateway?.reroutes, false);
});

test("a policy that cannot be compiled names itself and the field", () => {
  assert.throws(
    () => compile(GATEWAY, route("r"), policy("p", ON_GATEWAY, "missing")),
    /^Error: SecurityPolicy default\/p: spec\.apiKeyAuth\.credentialRefs\[0\]: Secret default\/missing not found$/,
  );
});
