import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { validateResource, validateResources } from "../../src/config/validate/validate-resources.js";
import { BACKEND_B_YAML } from "../support/backend-b-yaml.js";

/**
 * Per-kind behaviour beyond the upstream CRD suite: cost CEL, durations, quantities, versions,
 * kinds we ignore, the Gateway API and Envoy Gateway kinds, Secrets.
 */

const BACKEND_B = BACKEND_B_YAML;

function route(ruleExtra: string, specExtra = "", apiVersion = "aigateway.envoyproxy.io/v1beta1"): string {
  return `
apiVersion: ${apiVersion}
kind: AIGatewayRoute
metadata: {name: r}
spec:
  rules:
    - backendRefs: [{name: b}]
${ruleExtra
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}
${specExtra
  .split("\n")
  .map((l) => `  ${l}`)
  .join("\n")}`;
}

function validate(...docs: string[]) {
  return validateResources(parseConfigText(docs.join("\n---\n"), "t.yaml", {}));
}

const errorsOf = (...docs: string[]) => validate(...docs).errors.map((e) => e.message);
const warningsOf = (...docs: string[]) => validate(...docs).warnings.map((e) => e.message);
const schemaOf = (doc: string) => parseConfigText(doc, "t.yaml", {}).flatMap(validateResource);

function costs(cel: string): string {
  return `llmRequestCosts: [{metadataKey: c, type: CEL, cel: ${JSON.stringify(cel)}}]`;
}

test("cost CEL that yields an int or uint is accepted", () => {
  assert.deepEqual(errorsOf(route("", costs("input_tokens + output_tokens * 4u")), BACKEND_B), []);
  assert.deepEqual(errorsOf(route("", costs("input_tokens == uint(3) ? 100000000 : 0")), BACKEND_B), []);
  assert.deepEqual(
    errorsOf(route("", costs('model == "gpt-4o" ? total_tokens * 2u : total_tokens')), BACKEND_B),
    [],
  );
});

test("cost CEL that does not compile, fails, or yields a non-integer is an error naming the field", () => {
  const cases: [string, RegExp][] = [
    ["output_tokens * 0.5", /^invalid CEL expression: no such overload: uint \* double$/],
    ["input_tokens +", /^invalid CEL expression: /],
    ["-1", /^invalid CEL expression: cost is negative$/],
    ["1.5", /^invalid CEL expression: must evaluate to an integer, not double$/],
    ['"free"', /^invalid CEL expression: must evaluate to an integer, not string$/],
    ["1u / (input_tokens - input_tokens)", /^invalid CEL expression: division by zero$/],
  ];
  for (const [cel, detail] of cases) {
    const errors = errorsOf(route("", costs(cel)), BACKEND_B);
    assert.equal(errors.length, 1, cel);
    const prefix = `spec.llmRequestCosts[0].cel: Invalid value: ${JSON.stringify(cel)}: `;
    assert.ok(errors[0]?.startsWith(prefix), errors[0]);
    assert.match(errors[0]!.slice(prefix.length), detail);
  }
  assert.deepEqual(errorsOf(route("", "llmRequestCosts: [{metadataKey: c, type: CEL}]"), BACKEND_B), [
    "spec.llmRequestCosts[0].cel: Required value: type CEL needs an expression",
  ]);
});

test("GatewayConfig global costs and QuotaPolicy cost expressions are compiled the same way", () => {
  const config = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: GatewayConfig
metadata: {name: gc}
spec:
  globalLLMRequestCosts: [{metadataKey: a, type: InputToken}, {metadataKey: w, type: CEL, cel: "input_tokens * 2"}]`;
  assert.deepEqual(errorsOf(config).length, 1);
  assert.match(
    errorsOf(config)[0]!,
    /^spec\.globalLLMRequestCosts\[1\]\.cel: Invalid value: "input_tokens \* 2": invalid CEL expression: no such overload/,
  );
  const quota = `
apiVersion: aigateway.envoyproxy.io/v1alpha1
kind: QuotaPolicy
metadata: {name: q}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: b}]
  perModelQuotas:
    - modelName: gpt-4
      quota: {costExpression: "output_tokens * 6u", defaultBucket: {limit: 100, duration: 1h}}
    - modelName: gpt-5
      quota: {costExpression: "unknown_tokens", defaultBucket: {limit: 100, duration: 1w}}`;
  const errors = errorsOf(quota, BACKEND_B);
  assert.equal(errors.length, 2);
  assert.equal(
    errors[0],
    'spec.perModelQuotas[1].quota.defaultBucket.duration: Unsupported value: "1w": supported values: "1s", "1m", "1h", "1d"',
  );
  assert.match(
    errors[1]!,
    /^spec\.perModelQuotas\[1\]\.quota\.costExpression: Invalid value: "unknown_tokens": invalid CEL expression: Unknown variable: unknown_tokens$/,
  );
});

test("rule timeouts are Gateway API durations, and backendRequest may not exceed request", () => {
  assert.deepEqual(
    errorsOf(route("timeouts: {request: 2m, backendRequest: 30s}\nstreamIdleTimeout: 5s"), BACKEND_B),
    [],
  );
  assert.deepEqual(errorsOf(route("timeouts: {request: 0s, backendRequest: 5m}"), BACKEND_B), []);
  assert.deepEqual(errorsOf(route("timeouts: {request: 1m, backendRequest: 2m}"), BACKEND_B), [
    'spec.rules[0].timeouts: Invalid value: "object": backendRequest timeout cannot be longer than request timeout',
  ]);
  assert.deepEqual(errorsOf(route("timeouts: {request: 1.5s}\nstreamIdleTimeout: 5 s"), BACKEND_B), [
    `spec.rules[0].timeouts.request: Invalid value: "1.5s": spec.rules[0].timeouts.request in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'`,
    `spec.rules[0].streamIdleTimeout: Invalid value: "5 s": spec.rules[0].streamIdleTimeout in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'`,
  ]);
});

test("modelsCreatedAt is an RFC 3339 date-time", () => {
  assert.deepEqual(errorsOf(route('modelsCreatedAt: "2024-05-21T10:00:00Z"'), BACKEND_B), []);
  assert.deepEqual(errorsOf(route("modelsCreatedAt: yesterday"), BACKEND_B), [
    'spec.rules[0].modelsCreatedAt: Invalid value: "yesterday": spec.rules[0].modelsCreatedAt in body must be of type date-time: "yesterday"',
  ]);
});

test("header match regular expressions must compile", () => {
  const errors = errorsOf(
    route(`matches: [{headers: [{type: RegularExpression, name: x-ai-eg-model, value: "gpt-(4"}]}]`),
    BACKEND_B,
  );
  assert.equal(errors.length, 1);
  assert.match(
    errors[0]!,
    /^spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.value: Invalid value: "gpt-\(4": invalid regular expression: /,
  );
});

test("body mutation values may be JSON or, as upstream sets them, plain strings; a path is required", () => {
  const mutation = (set: string) =>
    route("").replace("backendRefs: [{name: b}]", `backendRefs: [{name: b, bodyMutation: {set: ${set}}}]`);
  assert.deepEqual(
    errorsOf(mutation(`[{path: service_tier, value: flex}, {path: n, value: '2'}]`), BACKEND_B),
    [],
  );
  assert.deepEqual(errorsOf(mutation(`[{path: "", value: '2'}, {value: '3'}]`), BACKEND_B), [
    'spec.rules[0].backendRefs[0].bodyMutation.set[0].path: Invalid value: "": spec.rules[0].backendRefs[0].bodyMutation.set[0].path in body should be at least 1 chars long',
    'spec.rules[0].backendRefs[0].bodyMutation.set[1].path: Invalid value: "": spec.rules[0].backendRefs[0].bodyMutation.set[1].path in body should be at least 1 chars long',
  ]);
});

test("schema types, list keys and enums are checked with the API server's wording", () => {
  const doc = route(
    "matches: [{headers: [{name: x-ai-eg-model, value: a}, {name: x-ai-eg-model, value: b, type: Prefix}]}]",
  ).replace("backendRefs: [{name: b}]", 'backendRefs: [{name: b, weight: "10"}]');
  assert.deepEqual(schemaOf(doc), [
    'spec.rules[0].backendRefs[0].weight: Invalid value: "string": spec.rules[0].backendRefs[0].weight in body must be of type integer: "string"',
    'spec.rules[0].matches[0].headers[1].type: Unsupported value: "Prefix": supported values: "Exact", "RegularExpression"',
    'spec.rules[0].matches[0].headers[1]: Duplicate value: {"name":"x-ai-eg-model"}',
  ]);
  assert.deepEqual(
    schemaOf("apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata: {name: r}"),
    ["spec.rules: Required value"],
  );
  assert.deepEqual(
    schemaOf(
      "apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIServiceBackend\nmetadata: {name: Bad_Name}\nspec: {schema: {}, backendRef: {name: b, kind: Backend, group: gateway.envoyproxy.io}}",
    ),
    [
      "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.schema.name: Unsupported value: "": supported values: "OpenAI", "Cohere", "AWSBedrock", "AzureOpenAI", "GCPVertexAI", "GCPAnthropic", "Anthropic", "AWSAnthropic", "aigw/AWSSageMaker"',
    ],
  );
});

test("v1alpha1 kinds are read like v1beta1 ones, with a deprecation warning", () => {
  const result = validate(route("", "", "aigateway.envoyproxy.io/v1alpha1"), BACKEND_B);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.warnings.map((w) => `${w.object}: ${w.message}`),
    [
      "AIGatewayRoute default/r: apiVersion: aigateway.envoyproxy.io/v1alpha1 is deprecated; use aigateway.envoyproxy.io/v1beta1 instead",
    ],
  );
});

test("v1alpha1 BackendSecurityPolicy keeps its own rules: GCP needs exactly one credential source", () => {
  const gcp = (version: string) => `
apiVersion: aigateway.envoyproxy.io/${version}
kind: BackendSecurityPolicy
metadata: {name: p}
spec: {type: GCPCredentials, gcpCredentials: {projectName: p, region: r}}`;
  assert.deepEqual(schemaOf(gcp("v1beta1")), []);
  assert.deepEqual(schemaOf(gcp("v1alpha1")), [
    'spec.gcpCredentials: Invalid value: "object": Exactly one of GCPWorkloadIdentityFederationConfig or GCPCredentialsFile must be specified',
  ]);
});

test("QuotaPolicy exists only in v1alpha1; unknown kinds of our group are errors", () => {
  const quota = "kind: QuotaPolicy\nmetadata: {name: q}\nspec: {}";
  assert.deepEqual(schemaOf(`apiVersion: aigateway.envoyproxy.io/v1alpha1\n${quota}`), []);
  assert.deepEqual(schemaOf(`apiVersion: aigateway.envoyproxy.io/v1beta1\n${quota}`), [
    'apiVersion: Unsupported value: "aigateway.envoyproxy.io/v1beta1": supported values: "aigateway.envoyproxy.io/v1alpha1"',
  ]);
  assert.deepEqual(
    errorsOf("apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoutes\nmetadata: {name: r}"),
    [
      'kind: Unsupported value: "AIGatewayRoutes": supported values: "AIGatewayRoute", "AIServiceBackend", "BackendSecurityPolicy", "GatewayConfig", "MCPRoute", "QuotaPolicy"',
    ],
  );
});

test("objects of other APIs are ignored; an API nobody knows also earns a warning", () => {
  const result = validate(
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec: {replicas: nonsense}",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: h}\nspec: {}",
    "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc}\nspec: {}",
  );
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.ignored, [
    "Deployment ns/d (t.yaml#1)",
    "HTTPRoute default/h (t.yaml#2)",
    "Widget default/w (t.yaml#3)",
    "GatewayClass gc (t.yaml#4)",
  ]);
  assert.deepEqual(
    result.warnings.map((w) => w.message),
    ["apiVersion: example.com/v1 is not an API aigw knows; ignored"],
  );
});

test("ClientTrafficPolicy bufferLimit must be a quantity the gateway can read", () => {
  const ctp = (limit: string, kind = "Gateway") => `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: c}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: ${kind}, name: gw}]
  connection: {bufferLimit: ${limit}}`;
  assert.deepEqual(schemaOf(ctp("50Mi")), []);
  assert.deepEqual(schemaOf(ctp("1048576")), []);
  assert.deepEqual(schemaOf(ctp("lots")), [
    "spec.connection.bufferLimit: Invalid value: \"lots\": spec.connection.bufferLimit in body should match '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'",
  ]);
  assert.deepEqual(schemaOf(ctp("1Pi")), [
    'spec.connection.bufferLimit: Invalid value: "1Pi": not a byte quantity aigw can read',
  ]);
  assert.deepEqual(schemaOf(ctp("50Mi", "HTTPRoute")), [
    'spec: Invalid value: "object": this policy can only have a targetRefs[*].kind of Gateway or ListenerSet',
  ]);
});

test("Gateway listeners follow the Gateway API rules; HTTPS needs a certificate, other protocols are not served", () => {
  const gateway = (listeners: string) =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {gatewayClassName: c, listeners: ${listeners}}`;
  assert.deepEqual(
    schemaOf(gateway("[{name: a, protocol: HTTP, port: 80}, {name: a, protocol: HTTP, port: 81}]")),
    [
      'spec.listeners[1]: Duplicate value: {"name":"a"}',
      'spec.listeners: Invalid value: "array": Listener name must be unique within the Gateway',
    ],
  );
  assert.deepEqual(errorsOf(gateway("[{name: s, protocol: HTTPS, port: 443}]")), [
    "spec.listeners[0].tls.certificateRefs: Required value: an HTTPS listener needs a certificate",
  ]);
  assert.deepEqual(warningsOf(gateway("[{name: t, protocol: TCP, port: 9000}]")), [
    'spec.listeners[0].protocol: Invalid value: "TCP": aigw serves HTTP and HTTPS listeners only',
  ]);
  assert.deepEqual(schemaOf(gateway("[]")), [
    "spec.listeners: Invalid value: 0: spec.listeners in body should have at least 1 items",
  ]);
});

test("Envoy Gateway Backends need exactly one address per endpoint, and some endpoint", () => {
  const backend = (spec: string) =>
    `apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: Backend\nmetadata: {name: b}\nspec: ${spec}`;
  assert.deepEqual(
    schemaOf(
      backend("{endpoints: [{fqdn: {hostname: a.com, port: 443}, ip: {address: 10.0.0.1, port: 80}}]}"),
    ),
    ['spec.endpoints[0]: Invalid value: "object": only one of fqdn, ip or unix can be specified'],
  );
  assert.deepEqual(schemaOf(backend("{endpoints: [{ip: {address: 999.0.0.1, port: 80}}]}")).length, 1);
  assert.deepEqual(errorsOf(backend("{}")), [
    "spec.endpoints: Required value: a Backend of type Endpoints needs at least one endpoint",
  ]);
});

test("Secrets: config keys, base64 data, and the keys a TLS Secret must carry", () => {
  const secret = (body: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n${body}`;
  assert.deepEqual(schemaOf(secret("data: {apiKey: c2stdGVzdA==}")), []);
  assert.deepEqual(schemaOf(secret("stringData: {apiKey: 42}")), [
    'stringData[apiKey]: Invalid value: "number": stringData[apiKey] in body must be of type string: "number"',
  ]);
  assert.deepEqual(schemaOf(secret("data: {apiKey: 'not base64!'}")), [
    'data[apiKey]: Invalid value: "<secret>": illegal base64 data',
  ]);
  assert.equal(schemaOf(secret("stringData: {'a key': x}")).length, 1);
  assert.deepEqual(schemaOf(secret("type: kubernetes.io/tls\nstringData: {tls.crt: c}")), [
    "data[tls.key]: Required value",
  ]);
});

test("MCPRoute CEL: optional access parses, as the MCP CEL environment evaluates it; garbage does not", () => {
  const BACKEND_A = `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: a}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: 9}}]}`;
  const mcpRoute = (cel: string) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata: {name: tools}
spec:
  parentRefs: [{name: gw}]
  backendRefs: [{name: a, group: gateway.envoyproxy.io, kind: Backend}]
  securityPolicy:
    oauth:
      issuer: https://issuer.test
      protectedResourceMetadata: {resource: https://mcp.test/mcp}
    authorization:
      rules: [{cel: '${cel}'}]
  backendSelector:
    rules: [{cel: '${cel}'}]`;
  assert.deepEqual(errorsOf(BACKEND_A, mcpRoute('request.headers[?"x-tenant"].orValue("") == "blue"')), []);
  assert.deepEqual(errorsOf(BACKEND_A, mcpRoute("request.headers[")), [
    'spec.securityPolicy.authorization.rules[0].cel: Invalid value: "request.headers[": cannot parse CEL expression: Unexpected token: EOF',
    'spec.backendSelector.rules[0].cel: Invalid value: "request.headers[": cannot parse CEL expression: Unexpected token: EOF',
  ]);
});
