import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigText } from "../../src/config/load-config-files.js";
import { validateResource, validateResources } from "../../src/config/validate/validate-resources.js";
import { BACKEND_B_YAML } from "../support/backend-b-yaml.js";

/**
 * SecurityPolicy: the CRD's schema and CEL rules, what Envoy Gateway's controller refuses, what
 * aigw cannot enforce (refused, since ignoring a guard opens what it guards), its references
 * (targets, credential Secrets, JWKS ConfigMaps) and the warnings for what opens nothing.
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

const KEYS = `
apiVersion: v1
kind: Secret
metadata: {name: keys}
stringData: {alice: key-a, bob: key-b}`;

const TO_GATEWAY = "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]";
const TO_ROUTE = "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}]";
const API_KEYS = "apiKeyAuth: {credentialRefs: [{name: keys}], extractFrom: [{headers: [authorization]}]}";
const LOCAL_JWKS = `localJWKS: {type: Inline, inline: '{"keys": []}'}`;

/** A SecurityPolicy `name` with the given spec lines (each indented by two here). */
function policy(body: string, name = "p", metadata = ""): string {
  return `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
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
const errorsOf = (...docs: string[]) => validate(GATEWAY, ROUTE, KEYS, ...docs).errors.map((e) => e.message);
const warningsOf = (...docs: string[]) =>
  validate(GATEWAY, ROUTE, KEYS, ...docs)
    .warnings.filter((w) => w.object.startsWith("SecurityPolicy"))
    .map((w) => w.message);
const schemaOf = (doc: string) => parseConfigText(doc, "t.yaml", {}).flatMap(validateResource);

test("a full policy (API keys, JWT with both key sources, authorization) is valid and read, not ignored", () => {
  const result = validate(
    GATEWAY,
    ROUTE,
    KEYS,
    `
apiVersion: v1
kind: ConfigMap
metadata: {name: jwks}
data: {jwks: '{"keys": []}'}`,
    policy(`
${TO_GATEWAY}
apiKeyAuth:
  credentialRefs: [{name: keys}]
  extractFrom: [{headers: [authorization, x-api-key]}, {params: [api_key]}, {cookies: [session]}]
  forwardClientIDHeader: x-client-id
  sanitize: true
jwt:
  optional: true
  providers:
    - name: remote
      issuer: https://idp.example.com
      audiences: [aigw]
      remoteJWKS: {uri: https://idp.example.com/jwks.json, cacheDuration: 60s, failedRefetchDuration: 2s}
      claimToHeaders: [{header: x-tenant-id, claim: org.tenant}]
      recomputeRoute: true
      extractFrom: {headers: [{name: x-token, valuePrefix: "Bearer "}], cookies: [jwt], params: [token]}
    - name: local
      issuer: ops@example.com
      ${LOCAL_JWKS}
    - name: configmap
      localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: jwks}}
authorization:
  defaultAction: Deny
  rules:
    - name: gold
      action: Allow
      principal:
        clientCIDRs: [10.0.0.0/8, "2001:db8::/32"]
        headers: [{name: x-ai-eg-model, values: [gpt-4o]}]
        jwt: {provider: remote, claims: [{name: groups, valueType: StringArray, values: [ml]}], scopes: [chat]}`),
  );
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.ignored, []);
});

test("the CRD's rules, in its words", () => {
  const schema = (body: string) => schemaOf(policy(body));
  assert.deepEqual(schema(API_KEYS), [
    'spec: Invalid value: "object": either targetRef or targetRefs must be used',
  ]);
  assert.deepEqual(schema(`targetRefs: [{group: gateway.networking.k8s.io, kind: Service, name: s}]`), [
    'spec: Invalid value: "object": this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute',
  ]);
  assert.deepEqual(
    schema(
      `${TO_GATEWAY}\napiKeyAuth: {credentialRefs: [{name: keys}], extractFrom: [{headers: [a], params: [b]}]}`,
    ),
    [
      'spec.apiKeyAuth.extractFrom[0]: Invalid value: "object": exactly one of headers, params, or cookies must be specified',
    ],
  );
  assert.deepEqual(schema(`${TO_GATEWAY}\napiKeyAuth: {credentialRefs: [{name: keys}], extractFrom: []}`), [
    "spec.apiKeyAuth.extractFrom: Invalid value: 0: spec.apiKeyAuth.extractFrom in body should have at least 1 items",
  ]);
  assert.deepEqual(schema(`${TO_GATEWAY}\njwt: {providers: [{name: a}]}`), [
    'spec.jwt.providers[0]: Invalid value: "object": either remoteJWKS or localJWKS must be specified.',
  ]);
  assert.deepEqual(
    schema(`${TO_GATEWAY}\njwt: {providers: [{name: a, ${LOCAL_JWKS}, remoteJWKS: {uri: "https://x"}}]}`),
    ['spec.jwt.providers[0]: Invalid value: "object": remoteJWKS and localJWKS cannot both be specified.'],
  );
  assert.deepEqual(
    schema(`${TO_GATEWAY}\njwt: {providers: [{name: a, ${LOCAL_JWKS}, recomputeRoute: true}]}`),
    [
      'spec.jwt.providers[0]: Invalid value: "object": claimToHeaders must be specified if recomputeRoute is enabled.',
    ],
  );
  assert.deepEqual(
    schema(`${TO_GATEWAY}\njwt: {optional: true, failOpen: true, providers: [{name: a, ${LOCAL_JWKS}}]}`),
    [
      'spec.jwt: Invalid value: "object": optional and failOpen cannot both be set; failOpen already tolerates a missing JWT',
    ],
  );
  assert.deepEqual(
    schema(`${TO_GATEWAY}\njwt: {providers: [{name: a, localJWKS: {type: ValueRef, inline: "{}"}}]}`),
    [
      'spec.jwt.providers[0].localJWKS: Invalid value: "object": Exactly one of inline or valueRef must be set with correct type.',
    ],
  );
  assert.deepEqual(
    schema(
      `${TO_GATEWAY}\nauthorization: {rules: [{action: Allow, principal: {jwt: {provider: a, scopes: [s]}}}]}`,
    ),
    ['spec: Invalid value: "object": if authorization.rules.principal.jwt is used, jwt must be defined'],
  );
  assert.deepEqual(schema(`${TO_GATEWAY}\nauthorization: {rules: [{action: Allow}]}`), [
    'spec.authorization.rules[0]: Invalid value: "object": at least one of principal or cel must be specified',
  ]);
  assert.deepEqual(
    schema(
      `${TO_GATEWAY}\nauthorization: {rules: [{action: Maybe, principal: {clientCIDRs: [10.0.0.0/8]}}]}`,
    ),
    ['spec.authorization.rules[0].action: Unsupported value: "Maybe": supported values: "Allow", "Deny"'],
  );
  assert.deepEqual(schema(`${TO_GATEWAY}\nmergeType: Replace`), [
    'spec.mergeType: Invalid value: "string": Replace is not a valid MergeType for SecurityPolicy',
    'spec: Invalid value: "object": mergeType can only be used with xRoute targets',
  ]);
});

test("parts that guard access but that aigw does not enforce are refused, naming the field", () => {
  for (const field of ["basicAuth", "oidc", "extAuth", "csrf"]) {
    const errors = errorsOf(policy(`${TO_GATEWAY}\n${field}: {x: 1}`));
    assert.equal(errors.length, 1, field);
    assert.match(
      errors[0]!,
      new RegExp(
        `^spec\\.${field}: Invalid value: "object": aigw does not .*would let through requests it is meant to stop$`,
      ),
    );
  }
  const rule = (principal: string) =>
    errorsOf(policy(`${TO_GATEWAY}\n${API_KEYS}\nauthorization: {rules: [{action: Allow, ${principal}}]}`));
  assert.match(
    rule("operation: {methods: [GET]}, principal: {clientCIDRs: [10.0.0.0/8]}")[0]!,
    /^spec\.authorization\.rules\[0\]\.operation: .*does not match rules on operation/,
  );
  assert.match(
    rule('cel: "true"')[0]!,
    /^spec\.authorization\.rules\[0\]\.cel: .*does not evaluate authorization CEL/,
  );
  assert.match(
    rule("principal: {clientIPGeoLocations: [{country: US}]}")[0]!,
    /clientIPGeoLocations: .*no GeoIP database/,
  );
  assert.match(
    rule("principal: {clientCIDRs: [10.0.0.0/33]}")[0]!,
    /clientCIDRs\[0\]: Invalid value: "10.0.0.0\/33": the prefix length/,
  );
  assert.match(
    errorsOf(policy(`${TO_ROUTE}\nmergeType: StrategicMerge\n${API_KEYS}`))[0]!,
    /^spec\.mergeType: .*does not merge SecurityPolicies/,
  );
  assert.match(
    errorsOf(
      policy(
        `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: http}]\n${API_KEYS}`,
      ),
    )[0]!,
    /^spec\.targetRefs\[0\]\.sectionName: .*whole Gateways and routes only/,
  );
  assert.match(
    errorsOf(
      policy(
        `targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: gw}\ntargetSelectors: [{kind: HTTPRoute, matchLabels: {a: b}}]\n${API_KEYS}`,
      ),
    )[0]!,
    /^spec\.targetSelectors: .*does not select targets by label/,
  );
});

test("what Envoy Gateway's controller refuses: provider names, issuers, JWKS URIs, produced headers", () => {
  const jwt = (provider: string, more = "") =>
    errorsOf(policy(`${TO_GATEWAY}\njwt: {providers: [${provider}${more}]}`));
  assert.deepEqual(jwt(`{name: a, ${LOCAL_JWKS}}`, `, {name: a, ${LOCAL_JWKS}}`), [
    'spec.jwt.providers[1].name: Invalid value: "a": provider name a must be unique',
  ]);
  assert.match(jwt(`{name: "-bad", ${LOCAL_JWKS}}`)[0]!, /name part must consist of alphanumeric characters/);
  assert.match(
    jwt(`{name: a, issuer: "not a uri:", ${LOCAL_JWKS}}`)[0]!,
    /when issuer contains ':' character, it MUST be a valid URI/,
  );
  assert.match(jwt(`{name: a, issuer: "a@@b", ${LOCAL_JWKS}}`)[0]!, /valid Email Address format/);
  assert.match(
    jwt("{name: a, remoteJWKS: {uri: ftp://idp/jwks}}")[0]!,
    /remoteJWKS\.uri: .*an http or https URL/,
  );
  assert.match(
    jwt(`{name: a, localJWKS: {inline: "{"}}`)[0]!,
    /localJWKS\.inline: Invalid value: "string": not JSON/,
  );
  assert.match(
    jwt(`{name: a, ${LOCAL_JWKS}, claimToHeaders: [{header: x-ai-eg-model, claim: model}]}`)[0]!,
    /claimToHeaders\[0\]\.header: Invalid value: "x-ai-eg-model": x-ai-eg-model is a header the gateway itself reads or sets/,
  );
  assert.match(
    jwt(`{name: a, ${LOCAL_JWKS}, claimToHeaders: [{header: Authorization, claim: sub}]}`)[0]!,
    /reads its credential from this header/,
  );
  assert.match(
    errorsOf(
      policy(
        `${TO_GATEWAY}\napiKeyAuth: {credentialRefs: [{name: keys}], extractFrom: [{headers: [x-api-key]}], forwardClientIDHeader: x-api-key}`,
      ),
    )[0]!,
    /forwardClientIDHeader: .*reads its credential from this header/,
  );
  assert.match(
    errorsOf(
      policy(
        `${TO_GATEWAY}\njwt: {providers: [{name: a, ${LOCAL_JWKS}}]}\nauthorization: {rules: [{action: Allow, principal: {jwt: {provider: b, scopes: [s]}}}]}`,
      ),
    )[0]!,
    /principal\.jwt\.provider: Invalid value: "b": no jwt provider of this policy is named b/,
  );
});

test("references: targets, credential Secrets and JWKS ConfigMaps must be there", () => {
  assert.deepEqual(
    errorsOf(
      policy(`targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: nope}]\n${API_KEYS}`),
    ),
    ['spec.targetRefs[0].name: Not found: "nope": Gateway default/nope is not in the configuration'],
  );
  assert.deepEqual(
    errorsOf(
      policy(`targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: nope}]\n${API_KEYS}`),
    ),
    [
      'spec.targetRefs[0].name: Not found: "nope": AIGatewayRoute default/nope, whose generated HTTPRoute this targets, is not in the configuration',
    ],
  );
  assert.deepEqual(
    errorsOf(
      policy(
        `targetRefs: [{group: aigateway.envoyproxy.io, kind: AIGatewayRoute, name: route}]\n${API_KEYS}`,
      ),
    ),
    [],
  );
  assert.deepEqual(
    errorsOf(
      policy(
        `${TO_GATEWAY}\napiKeyAuth: {credentialRefs: [{name: gone}], extractFrom: [{headers: [authorization]}]}`,
      ),
    ),
    [
      'spec.apiKeyAuth.credentialRefs[0].name: Not found: "gone": Secret default/gone is not in the configuration',
    ],
  );
  assert.deepEqual(
    errorsOf(
      policy(
        `${TO_GATEWAY}\njwt: {providers: [{name: a, localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: gone}}}]}`,
      ),
    ),
    [
      'spec.jwt.providers[0].localJWKS.valueRef.name: Not found: "gone": ConfigMap default/gone is not in the configuration',
    ],
  );
  const badJwks = `
apiVersion: v1
kind: ConfigMap
metadata: {name: bad}
data: {other: 'nope'}`;
  assert.match(
    errorsOf(
      badJwks,
      policy(
        `${TO_GATEWAY}\njwt: {providers: [{name: a, localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: bad}}}]}`,
      ),
    )[0]!,
    /localJWKS\.valueRef\.name: Invalid value: "bad": not JSON/,
  );
});

test("credential Secrets: a key shared by two clients and a bad client-headers annotation are errors, an empty key a warning", () => {
  const secret = (name: string, data: string, annotation?: string) => `
apiVersion: v1
kind: Secret
metadata: {name: ${name}${annotation ? `, annotations: {aigw/client-headers: '${annotation}'}` : ""}}
stringData: ${data}`;
  const refs = (...names: string[]) =>
    policy(
      `${TO_GATEWAY}\napiKeyAuth: {credentialRefs: [${names.map((n) => `{name: ${n}}`).join(", ")}], extractFrom: [{headers: [authorization]}]}`,
    );
  assert.deepEqual(errorsOf(secret("more", "{carol: key-a}"), refs("keys", "more")), [
    'spec.apiKeyAuth.credentialRefs: Invalid value: "array": Secret default/more: duplicated API key: clients alice and carol',
  ]);
  assert.match(
    errorsOf(secret("tagged", "{dave: key-d}", "erin: {x-tier: gold}"), refs("tagged"))[0]!,
    /annotation aigw\/client-headers names client erin, which is not a key of the Secret/,
  );
  assert.match(
    errorsOf(secret("tagged", "{dave: key-d}", "dave: {host: x}"), refs("tagged"))[0]!,
    /client dave: header host: host is a header the gateway itself reads or sets/,
  );
  assert.deepEqual(errorsOf(secret("tagged", "{dave: key-d}", "dave: {x-tier: gold}"), refs("tagged")), []);
  assert.deepEqual(warningsOf(secret("empty", "{frank: ''}"), refs("empty")), [
    'spec.apiKeyAuth.credentialRefs[0].name: Invalid value: "empty": Secret default/empty has an empty key for client frank: no request authenticates as frank',
  ]);
});

test("warnings: cors, targets aigw serves nothing for, remote JWKS backends, a second policy on one target", () => {
  assert.deepEqual(warningsOf(policy(`${TO_GATEWAY}\n${API_KEYS}\ncors: {allowOrigins: ["*"]}`)), [
    'spec.cors: Invalid value: "object": not acted on by aigw: no CORS headers are added and preflight requests are not answered',
  ]);
  assert.deepEqual(
    warningsOf(
      policy(`targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: g}]\n${API_KEYS}`),
    ),
    [
      'spec.targetRefs[0].kind: Invalid value: "GRPCRoute": aigw serves no GRPCRoute; this target applies to nothing',
    ],
  );
  assert.deepEqual(
    warningsOf(
      policy(
        `${TO_GATEWAY}\njwt: {providers: [{name: a, remoteJWKS: {uri: "https://idp/jwks", backendRefs: [{name: idp, port: 443}]}}]}`,
      ),
    ),
    [
      'spec.jwt.providers[0].remoteJWKS.backendRefs: Invalid value: "array": not acted on by aigw: the key set is fetched from uri directly',
    ],
  );
  const older = policy(`${TO_ROUTE}\n${API_KEYS}`, "older", ", creationTimestamp: '2024-01-01T00:00:00Z'");
  const newer = policy(`${TO_ROUTE}\n${API_KEYS}`, "newer", ", creationTimestamp: '2025-01-01T00:00:00Z'");
  assert.deepEqual(warningsOf(newer, older), [
    'spec.targetRefs[0]: Invalid value: "object": Unable to target AIGatewayRoute default/route, another SecurityPolicy (default/older) has already attached to it',
  ]);
});

test("guards elsewhere: mTLS on a ClientTrafficPolicy is refused; clientCIDRs with a clientIPDetection aigw does not apply too", () => {
  const clientTraffic = (spec: string) => `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: ctp}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  ${spec}`;
  assert.deepEqual(errorsOf(clientTraffic("tls: {clientValidation: {caCertificateRefs: [{name: ca}]}}")), [
    'spec.tls.clientValidation: Invalid value: "object": aigw does not verify client certificates; a policy enforced in part would let through requests it is meant to stop (use a SecurityPolicy apiKeyAuth or jwt)',
  ]);
  const byAddress = policy(
    `${TO_GATEWAY}\nauthorization: {rules: [{action: Allow, principal: {clientCIDRs: [10.0.0.0/8]}}]}`,
  );
  assert.deepEqual(errorsOf(byAddress), []);
  const errors = errorsOf(
    clientTraffic("clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}"),
    byAddress,
  );
  assert.equal(errors.length, 1);
  assert.match(
    errors[0]!,
    /^spec\.authorization\.rules\[0\]\.principal\.clientCIDRs: .*ClientTrafficPolicy default\/ctp sets clientIPDetection, which aigw does not apply/,
  );
});
