import type { IncomingHttpHeaders } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { AuthPolicy, AuthRequest } from "../src/auth/auth-policy.js";
import { compileSecurityPolicies } from "../src/config/compile-security-policies.js";
import { parseConfigText } from "../src/config/load-config-files.js";
import { ResourceIndex } from "../src/config/resource-index.js";

/**
 * What a SecurityPolicy check costs per request, measured in-process with the monotonic clock,
 * against the budget of 10 % of a request (~100 µs of gateway CPU on the benchmark machine, so
 * ~10 µs): an API key with client headers and an authorization rule on the model; a JWT already
 * verified (RS256, claims to headers, a scope rule); and, for reference, a JWT seen for the first
 * time (one RS256 signature check). Each request gets a fresh header object like the ones the
 * openai SDK sends, whose creation alone is measured as the baseline and subtracted.
 * Usage: node dist/bench/auth-check-cost.js [iterations]; prints one JSON line.
 */

const iterations = Number(process.argv[2] ?? 200_000);
const { publicKey, privateKey } = await generateKeyPair("RS256");
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256" }] });
const signToken = (claims: Record<string, unknown>) =>
  new SignJWT({
    iss: "https://issuer.test",
    aud: "aigw-test",
    exp: Math.floor(Date.now() / 1000) + 3600,
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", kid: "bench" })
    .sign(privateKey);
const token = await signToken({ sub: "bench-user", scope: "chat", org: { tenant: "acme" } });

const config = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {gatewayClassName: aigw, listeners: [{name: http, protocol: HTTP, port: 1975}]}
---
apiVersion: v1
kind: Secret
metadata:
  name: keys
  annotations: {aigw/client-headers: '{"alice": {"x-tenant-id": "acme", "x-tier": "gold"}}'}
stringData: {alice: sk-bench-alice, bob: sk-bench-bob, carol: sk-bench-carol}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: api-keys}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: by-key}]
  apiKeyAuth:
    credentialRefs: [{name: keys}]
    extractFrom: [{headers: [authorization, x-api-key]}]
    forwardClientIDHeader: x-client-id
  authorization:
    defaultAction: Deny
    rules:
      - {action: Allow, principal: {headers: [{name: x-tier, values: [gold]}]}}
      - {action: Allow, principal: {headers: [{name: x-ai-eg-model, values: [bench]}]}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: tokens}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: by-token}]
  jwt:
    providers:
      - name: idp
        issuer: https://issuer.test
        audiences: [aigw-test]
        localJWKS: {type: Inline, inline: '${jwks}'}
        claimToHeaders: [{header: x-tenant-id, claim: org.tenant}, {header: x-user, claim: sub}]
  authorization:
    defaultAction: Deny
    rules: [{action: Allow, principal: {jwt: {provider: idp, scopes: [chat]}}}]
`;
const index = new ResourceIndex(parseConfigText(config, "bench", {}));
const policies = compileSecurityPolicies(index, index.list("Gateway")[0], () => {});
const byKey = policies.ofRoute("default", "by-key")!;
const byToken = policies.ofRoute("default", "by-token")!;

/** The headers of one openai SDK request (v4+), fresh per request as Node parses them. */
function headers(authorization: string): IncomingHttpHeaders {
  return {
    host: "127.0.0.1:1975",
    connection: "keep-alive",
    accept: "application/json",
    "content-type": "application/json",
    "user-agent": "OpenAI/JS 5.0.0",
    "x-stainless-lang": "js",
    "x-stainless-package-version": "5.0.0",
    "x-stainless-os": "Linux",
    "x-stainless-arch": "x64",
    "x-stainless-runtime": "node",
    "x-stainless-runtime-version": "v20.20.2",
    "x-stainless-retry-count": "0",
    authorization,
    "content-length": "96",
  };
}

function request(authorization: string): AuthRequest {
  return {
    headers: headers(authorization),
    url: "/v1/chat/completions",
    clientAddress: "127.0.0.1",
    model: "bench",
    scheme: "http",
  };
}

let sink = 0;
/** ns per iteration of `run`, best of 5 rounds (the least disturbed by the rest of the machine). */
function time(run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations);
  }
  return best;
}

function checkSync(policy: AuthPolicy, authorization: string): () => void {
  return () => {
    const identity = policy.check(request(authorization));
    if (identity instanceof Promise) throw new Error("expected a synchronous check");
    sink += identity.consumer?.length ?? 0;
  };
}

await byToken.check(request(`Bearer ${token}`));
const baseline = time(() => {
  sink += Object.keys(request("Bearer sk-bench-alice").headers).length;
});
const apiKey = time(checkSync(byKey, "Bearer sk-bench-alice")) - baseline;
const cachedJwt = time(checkSync(byToken, `Bearer ${token}`)) - baseline;

// A token never seen before: one signature check each (fewer of them, they are slow).
const fresh = await Promise.all(
  Array.from({ length: 200 }, (_, i) => signToken({ sub: `u${i}`, scope: "chat", org: { tenant: "t" } })),
);
const started = process.hrtime.bigint();
for (const t of fresh) await byToken.check(request(`Bearer ${t}`));
const firstJwt = Number(process.hrtime.bigint() - started) / fresh.length;

process.stdout.write(
  `${JSON.stringify({
    iterations,
    baselineNs: Math.round(baseline),
    apiKeyNs: Math.round(apiKey),
    cachedJwtNs: Math.round(cachedJwt),
    firstJwtNs: Math.round(firstJwt),
    sink: sink > 0,
  })}\n`,
);
