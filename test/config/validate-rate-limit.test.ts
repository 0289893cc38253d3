import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfigFiles, parseConfigText } from "../../src/config/load-config-files.js";
import { validateResources } from "../../src/config/validate/validate-resources.js";
import { BACKEND_B_YAML } from "../support/backend-b-yaml.js";
import { runAigw } from "../support/spawn-aigw.js";

/**
 * Token rate limits: BackendTrafficPolicy `rateLimit` (its schema, what Envoy Gateway's controller
 * refuses, what aigw cannot enforce as written), the cost keys its rules charge against the
 * routes they apply to, the targets of rate-limit policies, and QuotaPolicy's bucket selectors.
 */

const EXAMPLE = fileURLToPath(
  new URL(
    "../../../../shared/conformance/envoy-ai-gateway/examples/token_ratelimit/token_ratelimit.yaml",
    import.meta.url,
  ),
);

const gateway = (name = "gw", annotations = "") => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}${annotations}}
spec: {gatewayClassName: aigw, listeners: [{name: http, protocol: HTTP, port: 8080}]}`;

const GATEWAY = gateway();

/** An AIGatewayRoute `name` on Gateway `parent` whose llmRequestCosts define `keys` (as InputToken). */
const route = (name: string, keys: string[], parent = "gw") => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{name: ${parent}}]
  rules: [{backendRefs: [{name: b}]}]
  llmRequestCosts: [${keys.map((k) => `{metadataKey: ${k}, type: InputToken}`).join(", ")}]`;

const BACKEND = BACKEND_B_YAML;

const ROUTE = `${route("route", ["tokens"])}\n---${BACKEND}`;

const TO_ROUTE = "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}]";
const TO_GATEWAY = "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]";

/** A BackendTrafficPolicy `name` with the given spec lines. */
function policy(body: string, name = "p"): string {
  const indented = body
    .trim()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
  return `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}}
spec:
${indented}`;
}

/** A policy with one global rule made of `rule` (YAML flow-map fields). */
const globalRule = (rule: string, target = TO_ROUTE, name = "p") =>
  policy(`${target}\nrateLimit: {type: Global, global: {rules: [{${rule}}]}}`, name);

/** A rule that charges the response with the cost `key`. */
const chargingKey = (key: string, side = "response") =>
  `limit: {requests: 100, unit: Hour}, cost: {${side}: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: ${key}}}}`;

function validate(...docs: string[]) {
  return validateResources(parseConfigText(docs.join("\n---\n"), "t.yaml", {}));
}
const errorsOf = (...docs: string[]) => validate(...docs).errors.map((e) => e.message);
const warningsOf = (...docs: string[]) =>
  validate(...docs)
    .warnings.filter((w) => w.object.startsWith("BackendTrafficPolicy") || w.object.startsWith("QuotaPolicy"))
    .map((w) => w.message);

const RULE = "spec.rateLimit.global.rules[0]";

test("the upstream token_ratelimit example is valid and earns no warning", async () => {
  const result = validateResources(await loadConfigFiles([EXAMPLE], {}));
  assert.deepEqual(
    result.errors.map((e) => e.message),
    [],
  );
  assert.deepEqual(
    result.warnings.map((w) => w.message),
    [],
  );
});

test("every rateLimit field aigw enforces is accepted without a warning", () => {
  const doc = policy(`
${TO_ROUTE}
rateLimit:
  global:
    rules:
      - clientSelectors:
          - headers:
              - {name: x-tenant, type: Distinct}
              - {name: x-ai-eg-model, value: gpt-4o}
              - {name: x-tier, type: RegularExpression, value: "gold|silver", invert: true}
          - sourceCIDR: {value: 10.0.0.0/8}
          - sourceCIDR: {type: Distinct, value: "2001:db8::/32"}
          - sourceCIDR: {value: 192.168.0.1/32, invert: false}
        limit: {requests: 0, unit: Second}
        cost:
          request: {from: Number, number: 0}
          response: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: tokens}}
        shared: true
        shadowMode: false
      - {limit: {requests: 4294967295, unit: Year}}
      - {limit: {requests: 1, unit: Minute}}
      - {limit: {requests: 1, unit: Day}}
      - {limit: {requests: 1, unit: Month}}`);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, doc), []);
  assert.deepEqual(warningsOf(GATEWAY, ROUTE, doc), []);
  const local = policy(`
${TO_ROUTE}
rateLimit: {type: Local, local: {rules: [{limit: {requests: 5, unit: Minute}, cost: {request: {from: Number, number: 2}}}]}}`);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, local), []);
});

test("limit: requests and unit are required, requests is a uint32, units are Second to Year", () => {
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, globalRule("limit: {requests: -1, unit: Week}")), [
    `${RULE}.limit.requests: Invalid value: -1: ${RULE}.limit.requests in body should be greater than or equal to 0`,
    `${RULE}.limit.unit: Unsupported value: "Week": supported values: "Second", "Minute", "Hour", "Day", "Month", "Year"`,
  ]);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, globalRule("limit: {requests: 4294967296, unit: Hour}")), [
    `${RULE}.limit.requests: Invalid value: 4294967296: ${RULE}.limit.requests in body should be less than or equal to 4294967295`,
  ]);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, globalRule("limit: {}")), [
    `${RULE}.limit.requests: Required value`,
    `${RULE}.limit.unit: Unsupported value: "": supported values: "Second", "Minute", "Hour", "Day", "Month", "Year"`,
  ]);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, globalRule("shared: yes")), [
    `${RULE}.limit: Required value`,
    `${RULE}.shared: Invalid value: "string": ${RULE}.shared in body must be of type boolean: "string"`,
  ]);
});

test("rules: at most 256 global and 16 local; global needs its rules list", () => {
  const rules = (n: number) => `[${Array(n).fill("{limit: {requests: 1, unit: Second}}").join(", ")}]`;
  assert.deepEqual(
    errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nrateLimit: {global: {rules: ${rules(256)}}}`)),
    [],
  );
  assert.deepEqual(
    errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nrateLimit: {global: {rules: ${rules(257)}}}`)),
    ["spec.rateLimit.global.rules: Too many: 257: must have at most 256 items"],
  );
  assert.deepEqual(
    errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nrateLimit: {local: {rules: ${rules(17)}}}`)),
    ["spec.rateLimit.local.rules: Too many: 17: must have at most 16 items"],
  );
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nrateLimit: {global: {}}`)), [
    "spec.rateLimit.global.rules: Required value",
  ]);
});

test("type and the block must agree: exactly one of global or local", () => {
  const rules = "{rules: [{limit: {requests: 1, unit: Second}}]}";
  const rateLimit = (body: string) => errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nrateLimit: ${body}`));
  assert.deepEqual(rateLimit(`{local: ${rules}}`), []);
  assert.deepEqual(rateLimit(`{global: ${rules}, local: ${rules}}`), [
    'spec.rateLimit: Invalid value: "object": aigw takes one of global or local per policy, not both',
  ]);
  assert.deepEqual(rateLimit("{}"), [
    'spec.rateLimit: Invalid value: "object": one of global or local must be set',
  ]);
  assert.deepEqual(rateLimit("{type: Global}"), [
    "spec.rateLimit.global: Required value: type Global needs its rules in global",
  ]);
  assert.deepEqual(rateLimit(`{type: Local, global: ${rules}}`), [
    'spec.rateLimit.type: Invalid value: "Local": the policy sets global, not local; make type match it or leave type out',
  ]);
  assert.deepEqual(rateLimit(`{type: Burst, global: ${rules}}`), [
    'spec.rateLimit.type: Unsupported value: "Burst": supported values: "Global", "Local"',
  ]);
});

test("clientSelectors: the CRD's shape, at most 8, each selecting on something", () => {
  const selectors = (list: string) =>
    errorsOf(GATEWAY, ROUTE, globalRule(`clientSelectors: ${list}, limit: {requests: 1, unit: Hour}`));
  const SEL = `${RULE}.clientSelectors`;
  assert.deepEqual(selectors(`[${Array(9).fill("{headers: [{name: a, type: Distinct}]}").join(", ")}]`), [
    `${SEL}: Too many: 9: must have at most 8 items`,
  ]);
  assert.deepEqual(selectors("[{}]"), [
    `${SEL}[0]: Invalid value: "object": at least one of headers, methods, path, sourceCIDR or queryParams must be specified`,
  ]);
  assert.deepEqual(selectors("[{headers: [{type: Prefix, value: x}], sourceCIDR: {type: Exact}}]"), [
    `${SEL}[0].headers[0].name: Invalid value: "": ${SEL}[0].headers[0].name in body should be at least 1 chars long`,
    `${SEL}[0].headers[0].type: Unsupported value: "Prefix": supported values: "Exact", "RegularExpression", "Distinct"`,
    `${SEL}[0].sourceCIDR.value: Invalid value: "": ${SEL}[0].sourceCIDR.value in body should be at least 1 chars long`,
  ]);
});

test("header selectors: a value for Exact and RegularExpression, an expression that compiles, none for Distinct", () => {
  const headers = (list: string) =>
    errorsOf(
      GATEWAY,
      ROUTE,
      globalRule(`clientSelectors: [{headers: ${list}}], limit: {requests: 1, unit: Hour}`),
    );
  const H = `${RULE}.clientSelectors[0].headers`;
  assert.deepEqual(headers("[{name: a}, {name: b, type: RegularExpression}]"), [
    `${H}[0].value: Required value: a header match of type Exact needs a value`,
    `${H}[1].value: Required value: a header match of type RegularExpression needs a value`,
  ]);
  const [regex, ...rest] = headers('[{name: a, type: RegularExpression, value: "gpt-(4"}]');
  assert.deepEqual(rest, []);
  assert.match(
    regex!,
    /^spec\.rateLimit\.global\.rules\[0\]\.clientSelectors\[0\]\.headers\[0\]\.value: Invalid value: "gpt-\(4": invalid regular expression: /,
  );
  assert.deepEqual(
    headers("[{name: a, type: Distinct, invert: true}, {name: b, type: Distinct, value: x}]"),
    [
      `${H}[0].invert: Invalid value: true: invert is not applicable to a Distinct header match`,
      `${H}[1].value: Invalid value: "x": a Distinct header match takes no value: every value of the header counts in its own bucket`,
    ],
  );
  assert.deepEqual(
    headers("[{name: a, type: Distinct, invert: false}, {name: b, value: x, invert: true}]"),
    [],
  );
});

test("sourceCIDR: an IPv4 or IPv6 CIDR with its prefix length, not inverted", () => {
  const cidr = (value: string, extra = "") =>
    errorsOf(
      GATEWAY,
      ROUTE,
      globalRule(
        `clientSelectors: [{sourceCIDR: {value: "${value}"${extra}}}], limit: {requests: 1, unit: Hour}`,
      ),
    );
  const V = `${RULE}.clientSelectors[0].sourceCIDR.value`;
  const notCidr =
    "not a CIDR: an IPv4 or IPv6 address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32";
  for (const ok of [
    "0.0.0.0/0",
    "10.1.2.3/32",
    "192.168.0.1/24",
    "::/0",
    "2001:db8::/32",
    "::ffff:10.0.0.0/104",
  ]) {
    assert.deepEqual(cidr(ok), [], ok);
  }
  for (const bad of [
    "10.0.0.0",
    "10.0.0/8",
    "10.0.0.0/8/8",
    "10.0.0.0/x",
    "10.0.0.0/08",
    "fe80::1%eth0/64",
    "host/8",
  ]) {
    assert.deepEqual(cidr(bad), [`${V}: Invalid value: "${bad}": ${notCidr}`], bad);
  }
  assert.deepEqual(cidr("10.0.0.0/33"), [
    `${V}: Invalid value: "10.0.0.0/33": the prefix length of an IPv4 CIDR is at most 32`,
  ]);
  assert.deepEqual(cidr("2001:db8::/129"), [
    `${V}: Invalid value: "2001:db8::/129": the prefix length of an IPv6 CIDR is at most 128`,
  ]);
  assert.deepEqual(cidr("10.0.0.0/8", ", invert: true"), [
    `${RULE}.clientSelectors[0].sourceCIDR.invert: Invalid value: true: aigw does not support an inverted sourceCIDR match`,
  ]);
});

test("cost: from is required, Number needs a number >= 0, Metadata needs io.envoy.ai_gateway and a key", () => {
  const cost = (request: string) =>
    errorsOf(GATEWAY, ROUTE, globalRule(`limit: {requests: 1, unit: Hour}, cost: {request: ${request}}`));
  const C = `${RULE}.cost.request`;
  assert.deepEqual(cost("{number: 1}"), [
    `${C}.from: Unsupported value: "": supported values: "Number", "Metadata"`,
  ]);
  assert.deepEqual(cost("{from: Number}"), [`${C}.number: Required value: from Number needs a number`]);
  assert.deepEqual(cost("{from: Number, number: -1}"), [
    `${C}.number: Invalid value: -1: ${C}.number in body should be greater than or equal to 0`,
  ]);
  assert.deepEqual(cost("{from: Metadata}"), [
    `${C}.metadata: Required value: from Metadata needs a metadata namespace and key`,
  ]);
  assert.deepEqual(cost("{from: Metadata, metadata: {namespace: io.envoy.ai_gateway}}"), [
    `${C}.metadata.key: Required value`,
  ]);
  assert.deepEqual(
    cost("{from: Metadata, metadata: {namespace: envoy.filters.http.ext_authz, key: tokens}}"),
    [
      `${C}.metadata.namespace: Invalid value: "envoy.filters.http.ext_authz": aigw writes request costs (llmRequestCosts) to namespace io.envoy.ai_gateway only`,
    ],
  );
  assert.deepEqual(
    cost("{from: Number, number: 1, metadata: {namespace: io.envoy.ai_gateway, key: tokens}}"),
    [`${C}: Invalid value: "object": only one of number or metadata can be specified`],
  );
});

test("local rules: no response cost and no limit from metadata, as the CRD says", () => {
  const local = (rule: string) =>
    errorsOf(GATEWAY, ROUTE, policy(`${TO_ROUTE}\nrateLimit: {local: {rules: [{${rule}}]}}`));
  assert.deepEqual(local("limit: {requests: 1, unit: Hour}, cost: {response: {from: Number, number: 1}}"), [
    'spec.rateLimit.local.rules: Invalid value: "array": response cost is not supported for Local Rate Limits',
  ]);
  assert.deepEqual(local("limit: {requests: 1, unit: Hour, fromMetadata: {namespace: n, key: k}}"), [
    'spec.rateLimit.local.rules: Invalid value: "array": limit fromMetadata is not supported for Local Rate Limits',
  ]);
});

test("shadow mode is an error (aigw would enforce the rule); what aigw ignores is a warning", () => {
  assert.deepEqual(
    errorsOf(GATEWAY, ROUTE, globalRule("limit: {requests: 1, unit: Hour}, shadowMode: true")),
    [
      `${RULE}.shadowMode: Invalid value: true: aigw does not run rate-limit rules in shadow mode; this rule would refuse requests`,
    ],
  );
  const doc = globalRule(
    "clientSelectors: [{methods: [{value: POST}], path: {value: /v1/chat}, queryParams: [{name: q, value: x}]}], limit: {requests: 1, unit: Hour, fromMetadata: {namespace: n, key: k}}, xRateLimitHeaders: Off",
  );
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, doc), []);
  const ignored = "aigw selects on headers and sourceCIDR only; this condition is ignored";
  assert.deepEqual(warningsOf(GATEWAY, ROUTE, doc), [
    `${RULE}.clientSelectors[0].methods: Invalid value: "array": ${ignored}`,
    `${RULE}.clientSelectors[0].path: Invalid value: "object": ${ignored}`,
    `${RULE}.clientSelectors[0].queryParams: Invalid value: "array": ${ignored}`,
    `${RULE}.limit.fromMetadata: Invalid value: "object": aigw writes no limit metadata; the rule's requests and unit always apply`,
    `${RULE}.xRateLimitHeaders: Invalid value: "Off": not acted on by aigw`,
  ]);
  // The selector fields keep the CRD's shape.
  assert.deepEqual(
    errorsOf(
      GATEWAY,
      ROUTE,
      globalRule("clientSelectors: [{methods: [{value: FETCH}]}], limit: {requests: 1, unit: Hour}"),
    ),
    [
      `${RULE}.clientSelectors[0].methods[0].value: Unsupported value: "FETCH": supported values: "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"`,
    ],
  );
});

test("a cost key the targeted route does not define is an error naming the key and where costs are defined", () => {
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, globalRule(chargingKey("tokens"))), []);
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, globalRule(chargingKey("llm_total_token", "request"))), [
    `${RULE}.cost.request.metadata.key: Invalid value: "llm_total_token": AIGatewayRoute default/route, which this rule applies to, defines no cost "llm_total_token": add it to the route's llmRequestCosts or to the globalLLMRequestCosts of a GatewayConfig named by Gateway default/gw`,
  ]);
  // Without a Gateway there are no global costs: only the route can define it.
  assert.deepEqual(errorsOf(ROUTE, globalRule(chargingKey("missing"))), [
    `${RULE}.cost.response.metadata.key: Invalid value: "missing": AIGatewayRoute default/route, which this rule applies to, defines no cost "missing": add it to the route's llmRequestCosts`,
  ]);
  // A key of a number cost is not looked at.
  assert.deepEqual(
    errorsOf(
      GATEWAY,
      ROUTE,
      globalRule("limit: {requests: 1, unit: Hour}, cost: {request: {from: Number, number: 1}}"),
    ),
    [],
  );
});

test("the GatewayConfig of the Gateway (by annotation) defines global cost keys", () => {
  const config = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: GatewayConfig
metadata: {name: gc}
spec: {globalLLMRequestCosts: [{metadataKey: llm_total_token, type: TotalToken}]}`;
  const annotated = gateway("gw", ", annotations: {aigateway.envoyproxy.io/gateway-config: gc}");
  const rule = globalRule(chargingKey("llm_total_token"));
  assert.deepEqual(errorsOf(annotated, config, ROUTE, rule), []);
  assert.deepEqual(errorsOf(GATEWAY, config, ROUTE, rule), [
    `${RULE}.cost.response.metadata.key: Invalid value: "llm_total_token": AIGatewayRoute default/route, which this rule applies to, defines no cost "llm_total_token": add it to the route's llmRequestCosts or to the globalLLMRequestCosts of a GatewayConfig named by Gateway default/gw`,
  ]);
  assert.deepEqual(errorsOf(annotated, config, ROUTE, globalRule(chargingKey("other"))), [
    `${RULE}.cost.response.metadata.key: Invalid value: "other": AIGatewayRoute default/route, which this rule applies to, defines no cost "other": add it to the route's llmRequestCosts or to the globalLLMRequestCosts of GatewayConfig default/gc`,
  ]);
});

test("the price table a GatewayConfig names (aigw/price-table) must exist, hold prices.yaml and parse", () => {
  const config = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: GatewayConfig
metadata: {name: gc, annotations: {aigw/price-table: prices}}
spec: {globalLLMRequestCosts: [{metadataKey: spend, type: CEL, cel: price_micros}]}`;
  const prices = (data: string) => `
apiVersion: v1
kind: ConfigMap
metadata: {name: prices}
data: ${data}`;
  const path = "metadata.annotations[aigw/price-table]";
  assert.deepEqual(errorsOf(config, prices(`{prices.yaml: "gpt-4o: {input: 2.5, output: 10}"}`)), []);
  assert.deepEqual(errorsOf(config), [
    `${path}: Not found: "prices": ConfigMap default/prices is not in the configuration`,
  ]);
  assert.deepEqual(errorsOf(config, prices(`{other.yaml: "x: 1"}`)), [
    `${path}: Invalid value: "prices": ConfigMap default/prices has no key "prices.yaml"`,
  ]);
  assert.deepEqual(errorsOf(config, prices(`{prices.yaml: "gpt-4o: {input: -1, output: 10}"}`)), [
    `${path}: Invalid value: "prices": ConfigMap default/prices: price table: gpt-4o.input must be a non-negative number`,
  ]);
});

test('aigw/admission-estimate on a BackendTrafficPolicy is "true" or "false"', () => {
  const annotated = (value: string) =>
    globalRule(chargingKey("tokens")).replace(
      "metadata: {name: p}",
      `metadata: {name: p, annotations: {aigw/admission-estimate: "${value}"}}`,
    );
  assert.deepEqual(errorsOf(ROUTE, annotated("true")), []);
  assert.deepEqual(errorsOf(ROUTE, annotated("false")), []);
  assert.deepEqual(errorsOf(ROUTE, annotated("yes")), [
    'metadata.annotations[aigw/admission-estimate]: Invalid value: "yes": expected "true" or "false"',
  ]);
});

test("a policy on the Gateway: every route it applies to must define the key; a route's own policy replaces it", () => {
  const routes = [route("has-it", ["tokens"]), route("lacks-it", ["other"]), BACKEND];
  const onGateway = globalRule(chargingKey("tokens"), TO_GATEWAY, "on-gateway");
  assert.deepEqual(errorsOf(GATEWAY, ...routes, onGateway), [
    `${RULE}.cost.response.metadata.key: Invalid value: "tokens": AIGatewayRoute default/lacks-it, which this rule applies to, defines no cost "tokens": add it to the route's llmRequestCosts or to the globalLLMRequestCosts of a GatewayConfig named by Gateway default/gw`,
  ]);
  const toLacking = "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: lacks-it}]";
  // The route's own policy replaces the Gateway's, so the Gateway's rules never reach it ...
  assert.deepEqual(errorsOf(GATEWAY, ...routes, onGateway, policy(`${toLacking}\nretry: {}`, "own")), []);
  // ... unless it merges over it without a rateLimit of its own: then the Gateway's rules apply to it.
  const merging = policy(`${toLacking}\nmergeType: JSONMerge\nretry: {}`, "own");
  const [merged, ...rest] = validate(GATEWAY, ...routes, onGateway, merging).errors;
  assert.deepEqual(rest, []);
  assert.equal(merged?.object, "BackendTrafficPolicy default/on-gateway");
  assert.match(
    merged!.message,
    /AIGatewayRoute default\/lacks-it, which this rule applies to, defines no cost "tokens"/,
  );
  // A merging policy with rate-limit rules of its own is blamed for its own keys.
  const ownRules = policy(
    `${toLacking}\nmergeType: JSONMerge\nrateLimit: {global: {rules: [{${chargingKey("nope")}}]}}`,
    "own",
  );
  const errors = validate(GATEWAY, ...routes, onGateway, ownRules).errors;
  assert.deepEqual(
    errors.map((e) => [e.object, e.message.split(": Invalid value: ")[1]?.split(":")[0]]),
    [["BackendTrafficPolicy default/own", '"nope"']],
  );
});

test("with several Gateways (aigw validate), a Gateway's policy applies to the routes attached to it", () => {
  const onGateway = globalRule(chargingKey("tokens"), TO_GATEWAY);
  const docs = [GATEWAY, gateway("gw2"), route("route", ["tokens"]), route("elsewhere", [], "gw2"), BACKEND];
  assert.deepEqual(errorsOf(...docs, onGateway), []);
  const attachedToBoth = route("elsewhere", [], "gw}, {name: gw2");
  assert.match(
    errorsOf(GATEWAY, gateway("gw2"), ROUTE, attachedToBoth, onGateway).join("\n"),
    /default\/elsewhere, which this rule applies to/,
  );
});

test("a rate-limit policy whose target is not in the configuration is an error", () => {
  const rateLimit = "rateLimit: {global: {rules: [{limit: {requests: 1, unit: Hour}}]}}";
  const toMissingRoute = "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: gone}]";
  assert.deepEqual(errorsOf(GATEWAY, ROUTE, policy(`${toMissingRoute}\n${rateLimit}`)), [
    'spec.targetRefs[0].name: Not found: "gone": AIGatewayRoute default/gone, whose generated HTTPRoute this targets, is not in the configuration',
  ]);
  // A Gateway target is checked even when the files hold no Gateway: the limit would limit nothing.
  const toMissingGateway = "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gone}]";
  const notFound =
    'spec.targetRefs[0].name: Not found: "gone": Gateway default/gone is not in the configuration';
  assert.deepEqual(errorsOf(ROUTE, policy(`${toMissingGateway}\n${rateLimit}`)), [notFound]);
  assert.deepEqual(errorsOf(ROUTE, policy(`${toMissingGateway}\nretry: {}`)), []);
  assert.deepEqual(
    validate(ROUTE, policy(`${toMissingGateway}\nretry: {}`)).warnings.map((w) => w.message),
    [notFound],
  );
  // The same holds for a QuotaPolicy's backend.
  const quota = `
apiVersion: aigateway.envoyproxy.io/v1alpha1
kind: QuotaPolicy
metadata: {name: q}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: gone}]
  serviceQuota: {quota: {limit: 10, duration: 1h}}`;
  assert.deepEqual(errorsOf(ROUTE, quota), [
    'spec.targetRefs[0].name: Not found: "gone": AIServiceBackend default/gone is not in the configuration',
  ]);
});

test("QuotaPolicy: bucket selectors checked as rate-limit selectors, limits >= 0, one quota per model", () => {
  const quota = (perModelQuotas: string) => `
apiVersion: aigateway.envoyproxy.io/v1alpha1
kind: QuotaPolicy
metadata: {name: q}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: b}]
  perModelQuotas:
${perModelQuotas}`;
  const bucket = (selector: string) => `
    - modelName: gpt-4
      quota:
        defaultBucket: {limit: 100, duration: 1h}
        bucketRules: [{clientSelectors: [${selector}], quota: {limit: 10, duration: 1m}}]`;
  const B = "spec.perModelQuotas[0].quota.bucketRules[0].clientSelectors[0]";
  assert.deepEqual(errorsOf(ROUTE, quota(bucket("{headers: [{name: x-tenant, type: Distinct}]}"))), []);
  const [regex, ...rest] = errorsOf(
    ROUTE,
    quota(bucket('{headers: [{name: a, type: RegularExpression, value: "[a-"}]}')),
  );
  assert.deepEqual(rest, []);
  assert.match(
    regex!,
    /^spec\.perModelQuotas\[0\]\.quota\.bucketRules\[0\]\.clientSelectors\[0\]\.headers\[0\]\.value: Invalid value: "\[a-": invalid regular expression: /,
  );
  assert.deepEqual(errorsOf(ROUTE, quota(bucket("{headers: [{name: a, type: Distinct, invert: true}]}"))), [
    `${B}.headers[0].invert: Invalid value: true: invert is not applicable to a Distinct header match`,
  ]);
  const negative = `
    - modelName: gpt-4
      quota: {defaultBucket: {limit: -1, duration: 1h}}`;
  assert.deepEqual(errorsOf(ROUTE, quota(negative)), [
    "spec.perModelQuotas[0].quota.defaultBucket.limit: Invalid value: -1: spec.perModelQuotas[0].quota.defaultBucket.limit in body should be greater than or equal to 0",
  ]);
  const model = (name: string) => `
    - modelName: ${name}
      quota: {defaultBucket: {limit: 1, duration: 1h}}`;
  assert.deepEqual(errorsOf(ROUTE, quota(model("gpt-4") + model("gpt-5") + model("gpt-4"))), [
    'spec.perModelQuotas[2].modelName: Duplicate value: "gpt-4": perModelQuotas[0] already sets the quota of model gpt-4',
  ]);
  assert.deepEqual(warningsOf(ROUTE, quota(bucket("{methods: [{value: GET}]}"))), [
    `${B}.methods: Invalid value: "array": aigw selects on headers and sourceCIDR only; this condition is ignored`,
  ]);
});

test("aigw validate rejects a rate limit on a cost key no route defines, with the field error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aigw-rate-limit-"));
  try {
    const file = join(dir, "limits.yaml");
    await writeFile(file, [GATEWAY, ROUTE, globalRule(chargingKey("llm_output_token"))].join("\n---\n"));
    const run = await runAigw(["validate", file]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stderr,
      /limits\.yaml#5: BackendTrafficPolicy default\/p: spec\.rateLimit\.global\.rules\[0\]\.cost\.response\.metadata\.key: Invalid value: "llm_output_token": AIGatewayRoute default\/route, which this rule applies to, defines no cost "llm_output_token"/,
    );
    assert.match(run.stderr, /^1 error\(s\)$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
