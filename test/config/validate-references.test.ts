import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { validateResources } from "../../src/config/validate/validate-resources.js";

/** A complete, valid configuration; each test changes one thing in it. */
const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: aigw
  listeners: [{name: http, protocol: HTTP, port: 8080}]`;

const ROUTE = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: route, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{name: x-ai-eg-model, value: gpt-4o-mini}]}]
      backendRefs: [{name: openai}]`;

const BACKEND = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: openai, namespace: default}
spec:
  schema: {name: OpenAI}
  backendRef: {name: openai, kind: Backend, group: gateway.envoyproxy.io}`;

const EG_BACKEND = `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: openai, namespace: default}
spec:
  endpoints: [{fqdn: {hostname: api.openai.com, port: 443}}]`;

/** A BackendSecurityPolicy `name` for the AIServiceBackend "openai": its type, then that type's field. */
const securityPolicy = (name: string, type: string, credentials: string) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${name}, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: openai}]
  type: ${type}
  ${credentials}`;

const POLICY = securityPolicy("openai-key", "APIKey", "apiKey: {secretRef: {name: openai-key}}");

const SECRET = `
apiVersion: v1
kind: Secret
metadata: {name: openai-key, namespace: default}
stringData: {apiKey: sk-test}`;

function validate(...docs: string[]) {
  return validateResources(parseConfigText(docs.join("\n---\n"), "test.yaml", {}));
}

const messages = (findings: { message: string }[]) => findings.map((f) => f.message);

test("a complete configuration has no errors and no warnings", () => {
  const result = validate(GATEWAY, ROUTE, BACKEND, EG_BACKEND, POLICY, SECRET);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.ignored, []);
});

test("a route to an AIServiceBackend that does not exist is an error", () => {
  const result = validate(GATEWAY, ROUTE, EG_BACKEND);
  assert.deepEqual(result.errors, [
    {
      object: "AIGatewayRoute default/route",
      source: "test.yaml#2",
      message:
        'spec.rules[0].backendRefs[0].name: Not found: "openai": AIServiceBackend default/openai is not in the configuration',
    },
  ]);
});

test("a backendRef resolves in its own namespace unless it names another", () => {
  const inTeam = BACKEND.replace("namespace: default", "namespace: team");
  const missing = validate(ROUTE, inTeam, EG_BACKEND.replace("namespace: default", "namespace: team"));
  assert.deepEqual(messages(missing.errors), [
    'spec.rules[0].backendRefs[0].name: Not found: "openai": AIServiceBackend default/openai is not in the configuration',
  ]);
  const named = validate(
    ROUTE.replace("backendRefs: [{name: openai}]", "backendRefs: [{name: openai, namespace: team}]"),
    inTeam,
    EG_BACKEND.replace("namespace: default", "namespace: team"),
  );
  assert.deepEqual(named.errors, []);
});

test("an AIServiceBackend whose Envoy Gateway Backend does not exist is an error", () => {
  const result = validate(ROUTE, BACKEND);
  assert.deepEqual(messages(result.errors), [
    'spec.backendRef.name: Not found: "openai": Backend default/openai is not in the configuration',
  ]);
  assert.equal(result.errors[0]?.object, "AIServiceBackend default/openai");
});

test("a credential Secret that does not exist is an error", () => {
  const result = validate(ROUTE, BACKEND, EG_BACKEND, POLICY);
  assert.deepEqual(result.errors, [
    {
      object: "BackendSecurityPolicy default/openai-key",
      source: "test.yaml#4",
      message:
        'spec.apiKey.secretRef.name: Not found: "openai-key": Secret default/openai-key is not in the configuration',
    },
  ]);
});

test("a credential Secret without the key its policy type reads is an error", () => {
  const result = validate(
    ROUTE,
    BACKEND,
    EG_BACKEND,
    POLICY,
    SECRET.replace("apiKey: sk-test", "api-key: sk-test"),
  );
  assert.deepEqual(messages(result.errors), [
    'spec.apiKey.secretRef.name: Invalid value: "openai-key": Secret default/openai-key has no key "apiKey"',
  ]);
});

test("each policy type reads its own Secret key", () => {
  const cases: [name: string, type: string, credentials: string, error: string][] = [
    [
      "aws",
      "AWSCredentials",
      "awsCredentials: {region: us-east-1, credentialsFile: {secretRef: {name: openai-key}}}",
      'spec.awsCredentials.credentialsFile.secretRef.name: Invalid value: "openai-key": Secret default/openai-key has no key "credentials"',
    ],
    [
      "azure",
      "AzureCredentials",
      "azureCredentials: {clientID: c, tenantID: t, clientSecretRef: {name: openai-key}}",
      'spec.azureCredentials.clientSecretRef.name: Invalid value: "openai-key": Secret default/openai-key has no key "client-secret"',
    ],
    [
      "gcp",
      "GCPCredentials",
      "gcpCredentials: {projectName: p, region: r, credentialsFile: {secretRef: {name: openai-key}}}",
      'spec.gcpCredentials.credentialsFile.secretRef.name: Invalid value: "openai-key": Secret default/openai-key has no key "service_account.json"',
    ],
  ];
  for (const [name, type, credentials, error] of cases) {
    const policy = securityPolicy(name, type, credentials);
    assert.deepEqual(messages(validate(ROUTE, BACKEND, EG_BACKEND, policy, SECRET).errors), [error]);
  }
});

test("an empty credential is a warning, and so is a missing one clients must always override", () => {
  const empty = validate(ROUTE, BACKEND, EG_BACKEND, POLICY, SECRET.replace("apiKey: sk-test", 'apiKey: ""'));
  assert.deepEqual(empty.errors, []);
  assert.deepEqual(messages(empty.warnings), [
    'spec.apiKey.secretRef.name: Invalid value: "openai-key": Secret default/openai-key has an empty "apiKey"',
  ]);
  const clientsOnly = `${POLICY}
  credentialOverride: {fromRequestHeaders: {fallbackToConfigured: false}}`;
  const result = validate(ROUTE, BACKEND, EG_BACKEND, clientsOnly);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(messages(result.warnings), [
    'spec.apiKey.secretRef.name: Not found: "openai-key": Secret default/openai-key is not in the configuration',
  ]);
});

test("two BackendSecurityPolicies on one AIServiceBackend are an error on the second", () => {
  const second = POLICY.replace("name: openai-key, namespace", "name: openai-key-2, namespace");
  const result = validate(ROUTE, BACKEND, EG_BACKEND, POLICY, second, SECRET);
  assert.deepEqual(result.errors, [
    {
      object: "BackendSecurityPolicy default/openai-key-2",
      source: "test.yaml#5",
      message:
        'spec.targetRefs[0]: Invalid value: "AIServiceBackend/openai": multiple BackendSecurityPolicies found for AIServiceBackend default/openai: [openai-key openai-key-2]',
    },
  ]);
});

test("a policy aimed at an AIServiceBackend that does not exist is an error", () => {
  const result = validate(POLICY.replace("name: openai}]", "name: opneai}]"), SECRET);
  assert.deepEqual(messages(result.errors), [
    'spec.targetRefs[0].name: Not found: "opneai": AIServiceBackend default/opneai is not in the configuration',
  ]);
});

test("InferencePool references resolve against InferencePools of the set; a missing one is a warning", () => {
  const poolRoute = ROUTE.replace(
    "backendRefs: [{name: openai}]",
    "backendRefs: [{name: pool, group: inference.networking.k8s.io, kind: InferencePool}]",
  );
  const missing = validate(GATEWAY, poolRoute);
  assert.deepEqual(missing.errors, []);
  assert.deepEqual(messages(missing.warnings), [
    'spec.rules[0].backendRefs[0].name: Not found: "pool": InferencePool default/pool (inference.networking.k8s.io) is not in the configuration',
  ]);
  const pool = `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool, namespace: default}
spec: {targetPorts: [{number: 8000}], selector: {matchLabels: {app: vllm}}, endpointPickerRef: {name: epp, port: {number: 9002}}}`;
  const present = validate(GATEWAY, poolRoute, pool);
  assert.deepEqual(present.errors, []);
  // The built-in picker serves the pool, so the picker Service it names may be absent.
  assert.deepEqual(messages(present.warnings), [
    `spec.endpointPickerRef.name: Not found: "epp": Service default/epp is not in the configuration; aigw's built-in endpoint picker serves the pool`,
  ]);
});

test("parentRefs must name a Gateway of the set once the set has Gateways", () => {
  const other = GATEWAY.replace("name: gw,", "name: other,");
  assert.deepEqual(messages(validate(other, ROUTE, BACKEND, EG_BACKEND).errors), [
    'spec.parentRefs[0].name: Not found: "gw": Gateway default/gw is not in the configuration',
  ]);
  assert.deepEqual(validate(ROUTE, BACKEND, EG_BACKEND).errors, []);
});

test("an HTTPS listener needs a kubernetes.io/tls Secret with tls.crt and tls.key", () => {
  const https = GATEWAY.replace(
    "[{name: http, protocol: HTTP, port: 8080}]",
    "[{name: https, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: cert}]}}]",
  );
  assert.deepEqual(messages(validate(https).errors), [
    'spec.listeners[0].tls.certificateRefs[0].name: Not found: "cert": Secret default/cert is not in the configuration',
  ]);
  const opaque = `
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: default}
stringData: {tls.crt: CERT}`;
  assert.deepEqual(messages(validate(https, opaque).errors), [
    'spec.listeners[0].tls.certificateRefs[0].name: Invalid value: "cert": Secret default/cert is not of type kubernetes.io/tls',
    'spec.listeners[0].tls.certificateRefs[0].name: Invalid value: "cert": Secret default/cert has no key "tls.key"',
  ]);
  const tls = `
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: default}
type: kubernetes.io/tls
stringData: {tls.crt: CERT, tls.key: KEY}`;
  assert.deepEqual(validate(https, tls).errors, []);
});

test("the same object twice is an error only when the copies differ", () => {
  assert.deepEqual(validate(ROUTE, BACKEND, EG_BACKEND, EG_BACKEND).errors, []);
  const moved = EG_BACKEND.replace("api.openai.com", "example.com");
  assert.deepEqual(validate(ROUTE, BACKEND, EG_BACKEND, moved).errors, [
    {
      object: "Backend default/openai",
      source: "test.yaml#4",
      message:
        'metadata.name: Duplicate value: "openai": Backend default/openai is also defined at test.yaml#3',
    },
  ]);
});

test("MCPRoute backends and their API key Secrets are checked like the AI routes'", () => {
  const mcp = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata: {name: mcp, namespace: default}
spec:
  parentRefs: [{name: gw}]
  backendRefs:
    - name: github
      kind: Backend
      group: gateway.envoyproxy.io
      securityPolicy: {apiKey: {secretRef: {name: github-token}}}`;
  assert.deepEqual(messages(validate(GATEWAY, mcp).errors), [
    'spec.backendRefs[0].name: Not found: "github": Backend default/github is not in the configuration',
    'spec.backendRefs[0].securityPolicy.apiKey.secretRef.name: Not found: "github-token": Secret default/github-token is not in the configuration',
  ]);
});

test("CA bundles of BackendTLSPolicy resolve to a ConfigMap with ca.crt, which is then not ignored", () => {
  const policy = `
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: openai}]
  validation: {hostname: api.openai.com, caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]}`;
  assert.deepEqual(messages(validate(ROUTE, BACKEND, EG_BACKEND, policy).errors), [
    'spec.validation.caCertificateRefs[0].name: Not found: "ca": ConfigMap default/ca is not in the configuration',
  ]);
  const configMap = (key: string) => `
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: default}
data: {${key}: PEM}`;
  assert.deepEqual(messages(validate(ROUTE, BACKEND, EG_BACKEND, policy, configMap("ca.pem")).errors), [
    'spec.validation.caCertificateRefs[0].name: Invalid value: "ca": ConfigMap default/ca has no key "ca.crt"',
  ]);
  const ok = validate(ROUTE, BACKEND, EG_BACKEND, policy, configMap("ca.crt"));
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.ignored, []);
  const unrelated = validate(ROUTE, BACKEND, EG_BACKEND, configMap("ca.crt"));
  assert.deepEqual(unrelated.ignored, ["ConfigMap default/ca (test.yaml#4)"]);
});

test("MCPRoute local JWKS come from the jwks key of a ConfigMap", () => {
  const mcp = `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata: {name: mcp, namespace: default}
spec:
  parentRefs: [{name: gw}]
  backendRefs: [{name: kiwi, kind: Backend, group: gateway.envoyproxy.io}]
  securityPolicy:
    oauth:
      issuer: https://idp.example.com
      jwks: {localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: keys}}}
      protectedResourceMetadata: {resource: https://mcp.example.com/mcp}`;
  const kiwi = EG_BACKEND.replace("name: openai", "name: kiwi");
  assert.deepEqual(messages(validate(mcp, kiwi).errors), [
    'spec.securityPolicy.oauth.jwks.localJWKS.valueRef.name: Not found: "keys": ConfigMap default/keys is not in the configuration',
  ]);
  const keys =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys, namespace: default}\ndata: {jwks: '{\"keys\": []}'}";
  assert.deepEqual(validate(mcp, kiwi, keys).errors, []);
});

test("an AIServiceBackend's Backend must start with an address aigw can send to", () => {
  const unix = EG_BACKEND.replace(
    "[{fqdn: {hostname: api.openai.com, port: 443}}]",
    "[{unix: {path: /run/llm.sock}}]",
  );
  assert.deepEqual(messages(validate(ROUTE, BACKEND, unix).errors), [
    'spec.backendRef.name: Invalid value: "openai": the first endpoint of Backend default/openai must be an fqdn or ip with a port, which aigw sends to',
  ]);
  const portZero = EG_BACKEND.replace("port: 443", "port: 0");
  assert.equal(validate(ROUTE, BACKEND, portZero).errors.length, 1);
});
