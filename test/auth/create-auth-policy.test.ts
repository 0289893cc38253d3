import assert from "node:assert/strict";
import { before, test } from "node:test";
import { compileApiKeyAuth } from "../../src/auth/api-key-auth.js";
import { compileAuthorization } from "../../src/auth/compile-authorization.js";
import { createAuthPolicy } from "../../src/auth/create-auth-policy.js";
import { localJwks } from "../../src/auth/jwks-keys.js";
import { compileJwtAuth } from "../../src/auth/jwt-auth.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import { jwksJson, type SigningKey, signingKey, signToken } from "../support/jwt-issuer.js";
import { authRequest } from "./auth-request.js";

let key: SigningKey;
before(async () => {
  key = await signingKey("k1");
});

const apiKey = () =>
  compileApiKeyAuth({ extractFrom: [{ headers: ["x-api-key"] }], forwardClientIDHeader: "x-client-id" }, [
    { clientId: "alice", key: "ka", headers: [["x-tenant-id", "acme"]] },
    { clientId: "bob", key: "kb", headers: [["x-tier", "bronze"]] },
  ]);

const jwt = (recomputeRoute = false) =>
  compileJwtAuth(
    {
      providers: [
        {
          name: "idp",
          localJWKS: {},
          recomputeRoute,
          claimToHeaders: [{ header: "x-user", claim: "sub" }],
        },
      ],
    },
    () => localJwks(jwksJson([key])),
  );

test("every header the policy produces is stripped from the request first, then set from the credential", () => {
  const policy = createAuthPolicy({ source: "default/p", apiKey: apiKey(), routeMatchHeaders: new Set() });
  // alice claims bob's id and a tier only bob's annotation gives: both are gone, hers are set.
  const request = authRequest({
    "x-api-key": "ka",
    "x-client-id": "bob",
    "x-tier": "gold",
    "x-tenant-id": "evil",
    "x-other": "kept",
  });
  assert.deepEqual(policy.check(request), { consumer: "alice" });
  assert.equal(request.headers["x-client-id"], "alice");
  assert.equal(request.headers["x-tenant-id"], "acme");
  assert.equal(request.headers["x-tier"], undefined);
  assert.equal(request.headers["x-other"], "kept");
});

test("a refused request has its spoofed identity headers stripped all the same", () => {
  const policy = createAuthPolicy({ source: "default/p", apiKey: apiKey(), routeMatchHeaders: new Set() });
  const request = authRequest({ "x-client-id": "bob" });
  assert.throws(() => policy.check(request), GatewayError);
  assert.equal(request.headers["x-client-id"], undefined);
});

test("API key and JWT together: both must pass; the consumer is the API key's client; claims set their headers", async () => {
  const policy = createAuthPolicy({
    source: "default/p",
    apiKey: apiKey(),
    jwt: jwt(),
    routeMatchHeaders: new Set(),
  });
  const token = await signToken(key, { sub: "user-7" });
  const request = authRequest({ "x-api-key": "ka", authorization: `Bearer ${token}`, "x-user": "spoof" });
  const checked = policy.check(request);
  assert.ok(checked instanceof Promise, "a token not seen before is verified asynchronously");
  assert.deepEqual(await checked, { consumer: "alice" });
  assert.equal(request.headers["x-user"], "user-7");
  assert.throws(
    () => policy.check(authRequest({ authorization: `Bearer ${token}` })),
    /Client authentication failed/,
  );
  const jwtOnly = createAuthPolicy({ source: "default/p", jwt: jwt(), routeMatchHeaders: new Set() });
  assert.deepEqual(await jwtOnly.check(authRequest({ authorization: `Bearer ${token}` })), {
    consumer: "user-7",
  });
});

test("authorization runs after authentication and sees the identity headers: 403 RBAC: access denied", () => {
  const policy = createAuthPolicy({
    source: "default/p",
    apiKey: apiKey(),
    authorize: compileAuthorization({
      rules: [{ action: "Allow", principal: { headers: [{ name: "x-tenant-id", values: ["acme"] }] } }],
    }),
    routeMatchHeaders: new Set(),
  });
  assert.deepEqual(policy.check(authRequest({ "x-api-key": "ka" })), { consumer: "alice" });
  try {
    policy.check(authRequest({ "x-api-key": "kb", "x-tenant-id": "acme" }));
    assert.fail("bob must be denied");
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 403);
    assert.equal(err.message, "RBAC: access denied");
    assert.equal(err.logCode, "forbidden");
  }
});

test("a policy with authorization only admits by its rules and names no consumer", () => {
  const policy = createAuthPolicy({
    source: "default/p",
    authorize: compileAuthorization({
      rules: [{ action: "Allow", principal: { clientCIDRs: ["127.0.0.1/32"] } }],
    }),
    routeMatchHeaders: new Set(),
  });
  assert.deepEqual(policy.check(authRequest({})), { consumer: undefined });
  assert.throws(() => policy.check(authRequest({}, { clientAddress: "10.0.0.1" })), /RBAC: access denied/);
});

test("reroutes: a JWT provider's recomputeRoute, or a produced header some route rule matches on", () => {
  const none = new Set<string>();
  assert.equal(createAuthPolicy({ source: "p", apiKey: apiKey(), routeMatchHeaders: none }).reroutes, false);
  assert.equal(
    createAuthPolicy({ source: "p", apiKey: apiKey(), routeMatchHeaders: new Set(["x-tier"]) }).reroutes,
    true,
  );
  assert.equal(createAuthPolicy({ source: "p", jwt: jwt(true), routeMatchHeaders: none }).reroutes, true);
  assert.equal(createAuthPolicy({ source: "p", jwt: jwt(false), routeMatchHeaders: none }).reroutes, false);
});
