import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePoolFallback } from "../../src/config/inference-pool-fallback.js";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { validateResources } from "../../src/config/validate/validate-resources.js";

/**
 * The inference kinds: InferencePool (v1 and v1alpha2), Pod, InferenceObjective,
 * InferenceModelRewrite, EndpointPickerConfig, HTTPRoutes that send to a pool, their references and
 * aigw's fallback annotation. One case per field rule.
 */

function validate(...docs: string[]) {
  return validateResources(parseConfigText(docs.join("\n---\n"), "t.yaml", {}));
}
const errorsOf = (...docs: string[]) => validate(...docs).errors.map((e) => e.message);
const warningsOf = (...docs: string[]) => validate(...docs).warnings.map((e) => e.message);

const pool = (spec: string, metadata = "{name: p}") =>
  `apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: ${metadata}\nspec: ${spec}`;
const alpha = (spec: string) =>
  `apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferencePool\nmetadata: {name: p}\nspec: ${spec}`;
const SELECTOR = "selector: {matchLabels: {app: x}}";
const PORTS = "targetPorts: [{number: 8000}]";
const MISSING_EPP = (field: string, name = "e") =>
  `spec.${field}.name: Not found: "${name}": Service default/${name} is not in the configuration; aigw's built-in endpoint picker serves the pool`;

test("InferencePool v1: selector and target ports are required; a valid pool has no finding", () => {
  assert.deepEqual(errorsOf(pool("{}")), [
    "spec.selector: Required value",
    "spec.targetPorts: Required value",
  ]);
  assert.deepEqual(errorsOf(pool(`{selector: {}, ${PORTS}}`)), ["spec.selector.matchLabels: Required value"]);
  const ok = validate(pool(`{${SELECTOR}, ${PORTS}}`));
  assert.deepEqual([ok.errors, ok.warnings, ok.ignored], [[], [], []]);
});

test("InferencePool v1: matchLabels has 1..64 labels with qualified keys and valid values", () => {
  assert.deepEqual(errorsOf(pool(`{selector: {matchLabels: {}}, ${PORTS}}`)), [
    "spec.selector.matchLabels: Invalid value: 0: spec.selector.matchLabels in body should have at least 1 properties",
  ]);
  const many = Array.from({ length: 65 }, (_, i) => `l${i}: x`).join(", ");
  assert.deepEqual(errorsOf(pool(`{selector: {matchLabels: {${many}}}, ${PORTS}}`)), [
    "spec.selector.matchLabels: Too many: 65: must have at most 64 items",
  ]);
  assert.deepEqual(errorsOf(pool(`{selector: {matchLabels: {'-bad': x, 'example.com/ok': y}}, ${PORTS}}`)), [
    `spec.selector.matchLabels: Invalid value: "object": label keys must be qualified names: an optional DNS subdomain prefix and '/', then at most 63 alphanumeric, '-', '_' or '.' characters`,
  ]);
  assert.deepEqual(errorsOf(pool(`{selector: {matchLabels: {app: '-x-'}}, ${PORTS}}`)), [
    `spec.selector.matchLabels.app: Invalid value: "-x-": spec.selector.matchLabels.app in body should match '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$'`,
  ]);
});

test("InferencePool v1: 1..8 unique target ports, each 1..65535", () => {
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, targetPorts: []}`)), [
    "spec.targetPorts: Invalid value: 0: spec.targetPorts in body should have at least 1 items",
  ]);
  const nine = Array.from({ length: 9 }, (_, i) => `{number: ${8000 + i}}`).join(", ");
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, targetPorts: [${nine}]}`)), [
    "spec.targetPorts: Too many: 9: must have at most 8 items",
  ]);
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, targetPorts: [{number: 8000}, {number: 8000}]}`)), [
    'spec.targetPorts: Invalid value: "array": port number must be unique',
  ]);
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, targetPorts: [{number: 0}, {number: 65536}, {}]}`)), [
    "spec.targetPorts[0].number: Invalid value: 0: spec.targetPorts[0].number in body should be greater than or equal to 1",
    "spec.targetPorts[1].number: Invalid value: 65536: spec.targetPorts[1].number in body should be less than or equal to 65535",
    "spec.targetPorts[2].number: Required value",
  ]);
});

test("InferencePool v1: appProtocol and endpointPickerRef", () => {
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, ${PORTS}, appProtocol: grpc}`)), [
    'spec.appProtocol: Unsupported value: "grpc": supported values: "http", "kubernetes.io/h2c"',
  ]);
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, ${PORTS}, appProtocol: kubernetes.io/h2c}`)), []);
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, ${PORTS}, endpointPickerRef: {port: {number: 9002}}}`)), [
    'spec.endpointPickerRef.name: Invalid value: "": spec.endpointPickerRef.name in body should be at least 1 chars long',
  ]);
  assert.deepEqual(errorsOf(pool(`{${SELECTOR}, ${PORTS}, endpointPickerRef: {name: e}}`)), [
    `spec.endpointPickerRef: Invalid value: "object": port is required when kind is 'Service' or unspecified (defaults to 'Service')`,
  ]);
  // Another kind needs no port (and aigw does not look it up).
  const other = validate(
    pool(`{${SELECTOR}, ${PORTS}, endpointPickerRef: {name: e, kind: Picker, group: x.io}}`),
  );
  assert.deepEqual([other.errors, other.warnings], [[], []]);
  assert.deepEqual(
    errorsOf(
      pool(`{${SELECTOR}, ${PORTS}, endpointPickerRef: {name: e, port: {number: 70000}, failureMode: Open}}`),
    ),
    [
      "spec.endpointPickerRef.port.number: Invalid value: 70000: spec.endpointPickerRef.port.number in body should be less than or equal to 65535",
      'spec.endpointPickerRef.failureMode: Unsupported value: "Open": supported values: "FailOpen", "FailClose"',
    ],
  );
});

test("the endpoint picker Service: absent is a warning (the built-in picker serves), ExternalName an error", () => {
  const withPicker = pool(`{${SELECTOR}, ${PORTS}, endpointPickerRef: {name: e, port: {number: 9002}}}`);
  assert.deepEqual(warningsOf(withPicker), [MISSING_EPP("endpointPickerRef")]);
  const service = (type: string) =>
    `apiVersion: v1\nkind: Service\nmetadata: {name: e}\nspec: {type: ${type}, ports: [{port: 9002}]}`;
  const present = validate(withPicker, service("ClusterIP"));
  assert.deepEqual([present.errors, present.warnings], [[], []]);
  assert.deepEqual(errorsOf(withPicker, service("ExternalName")), [
    'spec.endpointPickerRef.name: Invalid value: "e": an ExternalName Service is not supported as an endpoint picker',
  ]);
});

test("InferencePool v1alpha2: selector map, targetPortNumber, extensionRef with its failure mode", () => {
  assert.deepEqual(errorsOf(alpha("{}")), [
    "spec.selector: Required value",
    "spec.targetPortNumber: Required value",
    "spec.extensionRef: Required value",
  ]);
  assert.deepEqual(
    errorsOf(
      alpha(
        "{selector: {app: '-x'}, targetPortNumber: 0, extensionRef: {portNumber: 70000, failureMode: Never}}",
      ),
    ),
    [
      `spec.selector.app: Invalid value: "-x": spec.selector.app in body should match '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$'`,
      "spec.targetPortNumber: Invalid value: 0: spec.targetPortNumber in body should be greater than or equal to 1",
      'spec.extensionRef.name: Invalid value: "": spec.extensionRef.name in body should be at least 1 chars long',
      "spec.extensionRef.portNumber: Invalid value: 70000: spec.extensionRef.portNumber in body should be less than or equal to 65535",
      'spec.extensionRef.failureMode: Unsupported value: "Never": supported values: "FailOpen", "FailClose"',
    ],
  );
  const ok = validate(alpha("{selector: {app: x}, targetPortNumber: 8000, extensionRef: {name: e}}"));
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(
    ok.warnings.map((e) => e.message),
    [MISSING_EPP("extensionRef")],
  );
});

test("aigw's picker annotations on a pool must be usable durations", () => {
  const annotated = (annotations: string) =>
    pool(`{${SELECTOR}, ${PORTS}}`, `{name: p, annotations: {${annotations}}}`);
  assert.deepEqual(errorsOf(annotated("aigw/picker-scrape-interval: soon")), [
    'metadata.annotations[aigw/picker-scrape-interval]: Invalid value: "soon": must be a positive duration',
  ]);
  assert.deepEqual(errorsOf(annotated("aigw/picker-scrape-timeout: 2s")), [
    'metadata.annotations[aigw/picker-scrape-timeout]: Invalid value: "2s": must be a positive duration of at most 1s',
  ]);
  assert.deepEqual(
    errorsOf(annotated("aigw/picker-scrape-interval: 100ms, aigw/picker-scrape-timeout: 1s")),
    [],
  );
});

test("Pod: labels, status.podIP an IP address, status.conditions with type and status", () => {
  const pod = (metadata: string, status: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata: ${metadata}\nstatus: ${status}`;
  assert.deepEqual(
    errorsOf(
      pod(
        "{name: a, labels: {app: '-x'}}",
        "{podIP: 10.0.0.300, conditions: [{type: Ready, status: Yes}, {status: 'True'}]}",
      ),
    ),
    [
      `metadata.labels.app: Invalid value: "-x": metadata.labels.app in body should match '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$'`,
      'status.podIP: Invalid value: "10.0.0.300": must be a valid IP address',
      'status.conditions[0].status: Unsupported value: "Yes": supported values: "True", "False", "Unknown"',
      'status.conditions[1].type: Invalid value: "": status.conditions[1].type in body should be at least 1 chars long',
    ],
  );
  const ok = validate(
    pod("{name: a, labels: {app: x}}", "{podIP: 'fd00::1', conditions: [{type: Ready, status: 'True'}]}"),
  );
  assert.deepEqual([ok.errors, ok.ignored], [[], []]);
});

test("InferenceObjective (both groups): poolRef with a name is required, priority is an integer", () => {
  const objective = (group: string, spec: string) =>
    `apiVersion: ${group}/v1alpha2\nkind: InferenceObjective\nmetadata: {name: o}\nspec: ${spec}`;
  assert.deepEqual(errorsOf(objective("llm-d.ai", "{priority: 1.5}")), [
    "spec.poolRef: Required value",
    'spec.priority: Invalid value: "number": spec.priority in body must be of type integer: "number"',
  ]);
  assert.deepEqual(
    errorsOf(objective("inference.networking.x-k8s.io", "{poolRef: {group: inference.networking.k8s.io}}")),
    ['spec.poolRef.name: Invalid value: "": spec.poolRef.name in body should be at least 1 chars long'],
  );
  // A pool that is not there leaves the objective unused: a warning.
  assert.deepEqual(warningsOf(objective("llm-d.ai", "{priority: -1, poolRef: {name: p}}")), [
    'spec.poolRef.name: Not found: "p": InferencePool default/p (inference.networking.k8s.io) is not in the configuration',
  ]);
  assert.deepEqual(
    warningsOf(objective("llm-d.ai", "{priority: -1, poolRef: {name: p}}"), pool(`{${SELECTOR}, ${PORTS}}`)),
    [],
  );
});

test("InferenceModelRewrite: poolRef and rules, exact model matches, 1..1e6 weighted targets", () => {
  const rewrite = (spec: string) =>
    `apiVersion: llm-d.ai/v1alpha2\nkind: InferenceModelRewrite\nmetadata: {name: w}\nspec: ${spec}`;
  assert.deepEqual(errorsOf(rewrite("{}")), ["spec.poolRef: Required value", "spec.rules: Required value"]);
  const bad = validate(
    rewrite(
      "{poolRef: {name: p}, rules: [{targets: []}, {matches: [{model: {type: Prefix}}, {}], targets: [{weight: 0}, {modelRewrite: m, weight: 1000001}]}]}",
    ),
  );
  assert.deepEqual(
    bad.errors.map((e) => e.message),
    [
      "spec.rules[0].targets: Invalid value: 0: spec.rules[0].targets in body should have at least 1 items",
      'spec.rules[1].matches[0].model.value: Invalid value: "": spec.rules[1].matches[0].model.value in body should be at least 1 chars long',
      'spec.rules[1].matches[0].model.type: Unsupported value: "Prefix": supported values: "Exact"',
      "spec.rules[1].matches[1].model: Required value",
      'spec.rules[1].targets[0].modelRewrite: Invalid value: "": spec.rules[1].targets[0].modelRewrite in body should be at least 1 chars long',
      "spec.rules[1].targets[0].weight: Invalid value: 0: spec.rules[1].targets[0].weight in body should be greater than or equal to 1",
      "spec.rules[1].targets[1].weight: Invalid value: 1000001: spec.rules[1].targets[1].weight in body should be less than or equal to 1000000",
    ],
  );
  assert.deepEqual(
    bad.warnings.map((e) => e.message),
    [
      'spec.poolRef.name: Not found: "p": InferencePool default/p (inference.networking.k8s.io) is not in the configuration',
    ],
  );
});

test("EndpointPickerConfig: accepted without metadata; its plugins, profiles and saturation detector are checked", () => {
  const noMetadata = validate(
    "apiVersion: llm-d.ai/v1alpha1\nkind: EndpointPickerConfig\nplugins: [{type: queue-scorer}]",
  );
  assert.deepEqual([noMetadata.errors, noMetadata.warnings, noMetadata.ignored], [[], [], []]);
  const named = validate(
    "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\nmetadata: {name: epp}\nplugins: [{type: queue-scorer}]",
  );
  assert.deepEqual(named.errors, []);
  const bad = validate(`apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins: [{name: q}, {type: queue-scorer}, {type: queue-scorer}]
schedulingProfiles: [{name: a, plugins: [{pluginRef: missing}, {pluginRef: queue-scorer, weight: 1.5}]}]
saturationDetector: {kvCacheUtilThreshold: 2, queueDepthThreshold: -1}`);
  assert.equal(bad.errors[0]?.object, "EndpointPickerConfig (unnamed)");
  assert.deepEqual(
    bad.errors.map((e) => e.message),
    [
      'plugins[0].type: Invalid value: "": plugins[0].type in body should be at least 1 chars long',
      'schedulingProfiles[0].plugins[1].weight: Invalid value: "number": schedulingProfiles[0].plugins[1].weight in body must be of type integer: "number"',
      "saturationDetector.kvCacheUtilThreshold: Invalid value: 2: saturationDetector.kvCacheUtilThreshold in body should be less than or equal to 1",
      "saturationDetector.queueDepthThreshold: Invalid value: -1: saturationDetector.queueDepthThreshold in body should be greater than or equal to 0",
      'plugins[2].name: Invalid value: "queue-scorer": plugin names must be unique (the name defaults to the type)',
      'schedulingProfiles[0].plugins[0].pluginRef: Invalid value: "missing": no plugin of this name in plugins',
    ],
  );
});

test("EndpointPickerConfig: what aigw does not implement is a warning naming the plugin or parameter", () => {
  assert.deepEqual(
    warningsOf(`apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins:
  - type: weighted-random-picker
  - {type: prefix-cache-scorer, parameters: {hashSeed: 1, blockSizeTokens: 16}}
  - {type: max-score-picker, parameters: {maxNumOfEndpoints: 1}}
  - {name: mx, type: max-score-picker, parameters: {maxNumOfEndpoints: 2}}
  - type: single-profile-handler
schedulingProfiles: [{name: a, plugins: [{pluginRef: prefix-cache-scorer}]}, {name: b}]`),
    [
      "schedulingProfiles: only the first profile (a) is used; aigw runs one profile per request",
      "plugins[0] (weighted-random-picker): plugin type weighted-random-picker is not one aigw's built-in picker implements; ignored",
      "plugins[1] (prefix-cache-scorer): parameter hashSeed is not honoured by aigw; ignored",
      "plugins[3] (mx): parameter maxNumOfEndpoints is not honoured by aigw; ignored",
    ],
  );
});

const ROUTE_TO_POOL = (annotations = "", refExtra = "") => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r${annotations ? `, annotations: {${annotations}}` : ""}}
spec:
  rules:
    - backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: p${refExtra}}]`;
const BACKEND = (name: string) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec: {schema: {name: OpenAI}, backendRef: {name: ${name}, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec: {endpoints: [{fqdn: {hostname: ${name}.example.com, port: 443}}]}`;
const POOL_P = pool(`{${SELECTOR}, ${PORTS}}`);

test("a route rule naming a pool that is not there is a warning (the rule answers 503); an AIGatewayRoute may not name a v1alpha2 pool", () => {
  assert.deepEqual(errorsOf(ROUTE_TO_POOL()), []);
  assert.deepEqual(warningsOf(ROUTE_TO_POOL()), [
    'spec.rules[0].backendRefs[0].name: Not found: "p": InferencePool default/p (inference.networking.k8s.io) is not in the configuration',
  ]);
  assert.deepEqual(errorsOf(ROUTE_TO_POOL(), POOL_P), []);
  const toAlpha = ROUTE_TO_POOL().replace(
    "group: inference.networking.k8s.io",
    "group: inference.networking.x-k8s.io",
  );
  assert.deepEqual(
    errorsOf(toAlpha, alpha("{selector: {app: x}, targetPortNumber: 8000, extensionRef: {name: e}}")),
    [
      'spec.rules[0].backendRefs[0]: Invalid value: "object": only InferencePool from inference.networking.k8s.io group is supported',
    ],
  );
});

test("fields upstream ignores on a pool reference are warnings", () => {
  assert.deepEqual(
    warningsOf(ROUTE_TO_POOL("", ", modelNameOverride: m, headerMutation: {remove: [x]}"), POOL_P),
    [
      "spec.rules[0].backendRefs[0].modelNameOverride: ignored on an InferencePool reference",
      "spec.rules[0].backendRefs[0].headerMutation: ignored on an InferencePool reference",
    ],
  );
});

test("the fallback annotation must parse and name AIServiceBackends of the route's namespace", () => {
  const annotation = (value: string) => `aigw/inference-pool-fallback: "${value}"`;
  assert.deepEqual(errorsOf(ROUTE_TO_POOL(annotation("a, b:2")), POOL_P, BACKEND("a"), BACKEND("b")), []);
  assert.deepEqual(errorsOf(ROUTE_TO_POOL(annotation("a, nope")), POOL_P, BACKEND("a")), [
    'metadata.annotations[aigw/inference-pool-fallback]: Not found: "nope": AIServiceBackend default/nope is not in the configuration',
  ]);
  assert.deepEqual(errorsOf(ROUTE_TO_POOL(annotation("a,,b")), POOL_P, BACKEND("a"), BACKEND("b")), [
    'metadata.annotations[aigw/inference-pool-fallback]: Invalid value: "a,,b": tier 2 is empty (tiers are separated by commas)',
  ]);
  // On a route without a pool rule it applies to nothing.
  const plain = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r, annotations: {${annotation("a")}}}
spec: {rules: [{backendRefs: [{name: a}]}]}`;
  assert.deepEqual(warningsOf(plain, BACKEND("a")), [
    'metadata.annotations[aigw/inference-pool-fallback]: Invalid value: "a": no rule of this route sends to an InferencePool; the fallback applies to nothing',
  ]);
});

test("parsePoolFallback: tiers by comma, backends by space, optional weights", () => {
  assert.deepEqual(parsePoolFallback("hosted-a, hosted-b"), {
    tiers: [[{ name: "hosted-a", weight: 1 }], [{ name: "hosted-b", weight: 1 }]],
  });
  assert.deepEqual(parsePoolFallback(" a:3  b , c.d:1000000 "), {
    tiers: [
      [
        { name: "a", weight: 3 },
        { name: "b", weight: 1 },
      ],
      [{ name: "c.d", weight: 1_000_000 }],
    ],
  });
  assert.deepEqual(parsePoolFallback(""), { error: "tier 1 is empty (tiers are separated by commas)" });
  assert.deepEqual(parsePoolFallback("A"), {
    error: '"A" is not an AIServiceBackend name with an optional :weight',
  });
  assert.deepEqual(parsePoolFallback("a:x"), {
    error: '"a:x" is not an AIServiceBackend name with an optional :weight',
  });
  assert.deepEqual(parsePoolFallback("a:0"), { error: '"a:0": the weight must be between 1 and 1000000' });
  assert.deepEqual(parsePoolFallback("a:1000001"), {
    error: '"a:1000001": the weight must be between 1 and 1000000',
  });
});

test("an HTTPRoute naming a pool is read: one pool per rule; missing pools and unhonoured matches are warnings", () => {
  const http = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: h}
spec:
  rules:
    - backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: p}, {group: inference.networking.k8s.io, kind: InferencePool, name: p}]
    - backendRefs: [{name: svc, port: 80}]
    - backendRefs: [{group: inference.networking.x-k8s.io, kind: InferencePool, name: q}]
      filters: [{type: RequestHeaderModifier}]
      matches: [{path: {type: PathPrefix, value: /v1}, method: POST}]`;
  const result = validate(http, POOL_P);
  assert.deepEqual(
    result.errors.map((e) => e.message),
    [
      'spec.rules[0].backendRefs: Invalid value: "array": aigw serves an HTTPRoute only for InferencePools: each rule must send to exactly one InferencePool',
      'spec.rules[1].backendRefs: Invalid value: "array": aigw serves an HTTPRoute only for InferencePools: each rule must send to exactly one InferencePool',
    ],
  );
  assert.deepEqual(
    result.warnings.map((e) => e.message),
    [
      "spec.rules[2].filters: aigw does not apply HTTPRoute filters; ignored",
      "spec.rules[2].matches[0].path: aigw matches headers only; this rule matches every path",
      "spec.rules[2].matches[0]: aigw matches headers only; method and queryParams are ignored",
      'spec.rules[2].backendRefs[0].name: Not found: "q": InferencePool default/q (inference.networking.x-k8s.io) is not in the configuration',
    ],
  );
  assert.deepEqual(result.ignored, []);
});

test("a BackendTrafficPolicy may target an HTTPRoute aigw serves (one that sends to a pool)", () => {
  const http = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: h}
spec: {rules: [{backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: p}]}]}`;
  const btp = `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: t}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: h}], retry: {numRetries: 1}}`;
  const result = validate(http, POOL_P, btp);
  assert.deepEqual([result.errors, result.warnings], [[], []]);
});
