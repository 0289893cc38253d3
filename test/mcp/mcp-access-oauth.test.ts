import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { metadataUrls } from "../../src/auth/discovered-jwks.js";
import type { Resource } from "../../src/config/resource.js";
import { startFakeAuthorizationServer } from "../support/fake-authorization-server.js";
import { type IncomingRequests, startIncomingRequests } from "../support/incoming-requests.js";
import { startJwksServer } from "../support/jwks-server.js";
import {
  jwksJson,
  nowSeconds,
  type SigningKey,
  signingKey,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  tamperedSignature,
} from "../support/jwt-issuer.js";
import { asCaller, asRefusal, compile, mcpRoute } from "./mcp-access-fixtures.js";

/**
 * An MCPRoute's `securityPolicy.oauth` over real HTTP requests and real JWTs: key sets inline,
 * from a ConfigMap, fetched, and discovered from the issuer's metadata; every bad token a 401 with
 * the MCP authorization spec's challenge; the protected resource metadata document.
 */

let key: SigningKey;
let stranger: SigningKey;
let requests: IncomingRequests;

before(async () => {
  key = await signingKey("k1");
  stranger = await signingKey("stranger");
  requests = await startIncomingRequests();
});
after(() => requests.close());

const METADATA_URL = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const MISSING = `Bearer resource_metadata="${METADATA_URL}", scope="tools:read"`;
const INVALID = `Bearer error="invalid_token", error_description="The access token is missing or invalid", resource_metadata="${METADATA_URL}", scope="tools:read"`;

function oauth(extra: Record<string, unknown> = {}) {
  return {
    issuer: TEST_ISSUER,
    audiences: [TEST_AUDIENCE],
    jwks: { localJWKS: { type: "Inline", inline: jwksJson([key]) } },
    protectedResourceMetadata: {
      resource: "https://mcp.example.com/mcp",
      resourceName: "Company tools",
      scopesSupported: ["tools:read"],
    },
    ...extra,
  };
}

const bearer = (token: string) => requests.receive({ headers: { authorization: `Bearer ${token}` } });

test("a valid token makes the caller: sub, scopes, claims; claimToHeaders become upstream headers", async () => {
  const access = compile(
    mcpRoute({
      securityPolicy: {
        oauth: oauth({
          claimToHeaders: [
            { claim: "sub", header: "X-User" },
            { claim: "org.team", header: "X-Team" },
          ],
        }),
      },
    }),
  );
  const token = await signToken(key, {
    sub: "alice",
    scope: "tools:read tools:write",
    org: { team: "blue" },
  });
  const caller = asCaller(await access.authenticate(await bearer(token)));
  assert.equal(caller.subject, "alice");
  assert.deepEqual([...caller.scopes].sort(), ["tools:read", "tools:write"]);
  assert.deepEqual(caller.claims.org, { team: "blue" });
  assert.deepEqual(caller.upstreamHeaders, { "x-user": "alice", "x-team": "blue" });
  assert.deepEqual([...(access.produces ?? [])].sort(), ["x-team", "x-user"]);
  // The same token again is the same caller, answered without a promise (no second verification).
  const again = access.authenticate(await bearer(token));
  assert.ok(!(again instanceof Promise));
  assert.equal(again, caller);
});

test("no token: 401 naming the protected resource metadata and the scopes basic use needs", async () => {
  const access = compile(mcpRoute({ securityPolicy: { oauth: oauth() } }));
  const refusal = asRefusal(await access.authenticate(await requests.receive()));
  assert.equal(refusal.status, 401);
  assert.equal(refusal.headers["www-authenticate"], MISSING);
  // The MCP authorization spec forbids tokens in the query string: one there is no token.
  const token = await signToken(key, { sub: "alice" });
  const inQuery = await requests.receive({ path: `/mcp?access_token=${token}` });
  assert.equal(asRefusal(await access.authenticate(inQuery)).headers["www-authenticate"], MISSING);
  // Another scheme is no token either.
  const basic = await requests.receive({ headers: { authorization: "Basic YWxpY2U6cHc=" } });
  assert.equal(asRefusal(await access.authenticate(basic)).status, 401);
});

test("expired, wrong audience, wrong issuer, bad signature, unknown key: 401 invalid_token, never echoing the token", async () => {
  const access = compile(mcpRoute({ securityPolicy: { oauth: oauth() } }));
  const now = nowSeconds();
  const good = await signToken(key, { sub: "alice" });
  const cases: [string, string, string][] = [
    ["expired", await signToken(key, { sub: "alice", iat: now - 7200, exp: now - 3600 }), "Jwt is expired"],
    [
      "wrong audience",
      await signToken(key, { sub: "alice", aud: "another-api" }),
      "Audiences in Jwt are not allowed",
    ],
    [
      "wrong issuer",
      await signToken(key, { sub: "alice", iss: "https://evil.test" }),
      "Jwt issuer is not configured",
    ],
    ["bad signature", tamperedSignature(good), "Jwt verification fails"],
    [
      "unknown key",
      await signToken(stranger, { sub: "alice" }),
      "Jwks doesn't have key to match kid or alg from Jwt",
    ],
    [
      "not a JWT",
      "not-a-jwt",
      "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
    ],
  ];
  for (const [name, token, message] of cases) {
    const refusal = asRefusal(await access.authenticate(await bearer(token)));
    assert.equal(refusal.status, 401, name);
    assert.equal(refusal.message, message, name);
    assert.equal(refusal.headers["www-authenticate"], INVALID, name);
    assert.ok(!JSON.stringify(refusal).includes(token), `${name}: the refusal echoes the token`);
  }
  assert.equal(asCaller(await access.authenticate(await bearer(good))).subject, "alice");
});

test("the protected resource metadata: served under the route's path, with upstream's fields", () => {
  const access = compile(
    mcpRoute({
      path: "/tools/mcp",
      securityPolicy: {
        oauth: oauth({
          protectedResourceMetadata: {
            resource: "https://mcp.example.com/tools/mcp",
            resourceName: "Company tools",
            scopesSupported: ["tools:read", "tools:write"],
            resourceSigningAlgValuesSupported: ["RS256"],
            resourceDocumentation: "https://docs.example.com/tools",
            resourcePolicyUri: "https://docs.example.com/policy",
          },
        }),
      },
    }),
  );
  assert.deepEqual(access.resourceMetadata, {
    path: "/.well-known/oauth-protected-resource/tools/mcp",
    document: {
      resource: "https://mcp.example.com/tools/mcp",
      authorization_servers: [TEST_ISSUER],
      bearer_methods_supported: ["header"],
      resource_name: "Company tools",
      scopes_supported: ["tools:read", "tools:write"],
      resource_signing_alg_values_supported: ["RS256"],
      resource_documentation: "https://docs.example.com/tools",
      resource_policy_uri: "https://docs.example.com/policy",
    },
  });
  // The default route path is /mcp; without OAuth nothing is served.
  assert.equal(
    compile(mcpRoute({ securityPolicy: { oauth: oauth() } })).resourceMetadata?.path,
    "/.well-known/oauth-protected-resource/mcp",
  );
  assert.equal(
    compile(mcpRoute({ backendSelector: { defaultAction: "Allow" } })).resourceMetadata,
    undefined,
  );
});

test("warnings: a resource whose metadata URL is not where the route serves it; no audiences", () => {
  const warnings: string[] = [];
  compile(
    mcpRoute({
      path: "/mcp",
      securityPolicy: {
        oauth: oauth({
          audiences: [],
          protectedResourceMetadata: { resource: "https://mcp.example.com/other" },
        }),
      },
    }),
    [],
    warnings,
  );
  assert.deepEqual(warnings, [
    "MCPRoute default/tools: spec.securityPolicy.oauth.audiences is empty: tokens issued for any audience are accepted",
    "MCPRoute default/tools: spec.securityPolicy.oauth.protectedResourceMetadata.resource sends clients to /.well-known/oauth-protected-resource/other, but the metadata is served at /.well-known/oauth-protected-resource/mcp (the route's path)",
  ]);
});

test("localJWKS by ValueRef reads the ConfigMap's jwks key", async () => {
  const configMap: Resource = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "idp-keys", namespace: "default" },
    data: { jwks: jwksJson([key]) },
    source: "test.yaml#1",
  } as Resource;
  const access = compile(
    mcpRoute({
      securityPolicy: {
        oauth: oauth({
          jwks: {
            localJWKS: { type: "ValueRef", valueRef: { group: "", kind: "ConfigMap", name: "idp-keys" } },
          },
        }),
      },
    }),
    [configMap],
  );
  assert.equal(
    asCaller(await access.authenticate(await bearer(await signToken(key, { sub: "bob" })))).subject,
    "bob",
  );
  assert.throws(
    () =>
      compile(
        mcpRoute({
          securityPolicy: {
            oauth: oauth({
              jwks: {
                localJWKS: { type: "ValueRef", valueRef: { group: "", kind: "ConfigMap", name: "gone" } },
              },
            }),
          },
        }),
      ),
    /^Error: MCPRoute default\/tools: spec\.securityPolicy\.oauth\.jwks\.localJWKS: ConfigMap default\/gone with a "jwks" key not found$/,
  );
});

test("remoteJWKS: the keys are fetched once and reused", async () => {
  const jwks = await startJwksServer([key]);
  try {
    const access = compile(
      mcpRoute({ securityPolicy: { oauth: oauth({ jwks: { remoteJWKS: { uri: jwks.uri } } }) } }),
    );
    const alice = await signToken(key, { sub: "alice" });
    const bob = await signToken(key, { sub: "bob" });
    assert.equal(asCaller(await access.authenticate(await bearer(alice))).subject, "alice");
    assert.equal(asCaller(await access.authenticate(await bearer(bob))).subject, "bob");
    assert.equal(jwks.fetches, 1);
    const refusal = asRefusal(await access.authenticate(await bearer(tamperedSignature(alice))));
    assert.equal(refusal.headers["www-authenticate"], INVALID);
  } finally {
    await jwks.close();
  }
});

test("no jwks: the keys are discovered from the issuer's /.well-known/oauth-authorization-server", async () => {
  const server = await startFakeAuthorizationServer([key]);
  try {
    const warnings: string[] = [];
    const access = compile(
      mcpRoute({ securityPolicy: { oauth: oauth({ issuer: server.issuer, jwks: undefined }) } }),
      [],
      warnings,
    );
    // Nothing is fetched before a token needs the keys.
    assert.equal(server.fetchesOf("/.well-known/oauth-authorization-server"), 0);
    const tokens = await Promise.all(
      ["alice", "bob", "carol"].map((sub) => signToken(key, { sub, iss: server.issuer })),
    );
    const callers = await Promise.all(
      tokens.map(async (t) => asCaller(await access.authenticate(await bearer(t)))),
    );
    assert.deepEqual(
      callers.map((c) => c.subject),
      ["alice", "bob", "carol"],
    );
    // Concurrent first tokens share one discovery and one key fetch.
    assert.equal(server.fetchesOf("/.well-known/oauth-authorization-server"), 1);
    assert.equal(server.fetchesOf("/jwks.json"), 1);
    // The issuer is still checked against the configured one.
    const foreign = await signToken(key, { sub: "eve" });
    assert.equal(
      asRefusal(await access.authenticate(await bearer(foreign))).message,
      "Jwt issuer is not configured",
    );
    assert.deepEqual(warnings, []);
  } finally {
    await server.close();
  }
});

test("discovery falls back to openid-configuration, after the issuer's path as upstream tries", async () => {
  assert.deepEqual(metadataUrls("https://idp.test/tenant1/"), [
    "https://idp.test/.well-known/oauth-authorization-server/tenant1",
    "https://idp.test/.well-known/openid-configuration/tenant1",
    "https://idp.test/tenant1/.well-known/oauth-authorization-server",
    "https://idp.test/tenant1/.well-known/openid-configuration",
  ]);
  const server = await startFakeAuthorizationServer([key], {
    issuerPath: "/tenant1",
    document: "openid-configuration",
  });
  try {
    const access = compile(
      mcpRoute({ securityPolicy: { oauth: oauth({ issuer: server.issuer, jwks: undefined }) } }),
    );
    const token = await signToken(key, { sub: "alice", iss: server.issuer });
    assert.equal(asCaller(await access.authenticate(await bearer(token))).subject, "alice");
    assert.equal(server.fetchesOf("/.well-known/oauth-authorization-server/tenant1"), 1);
    assert.equal(server.fetchesOf("/.well-known/openid-configuration/tenant1"), 1);
  } finally {
    await server.close();
  }
});

test("a failed discovery refuses tokens with 401 and a warning, and is tried again later", async () => {
  const server = await startFakeAuthorizationServer([key]);
  try {
    server.failMetadataWith(503);
    const warnings: string[] = [];
    const access = compile(
      mcpRoute({ securityPolicy: { oauth: oauth({ issuer: server.issuer, jwks: undefined }) } }),
      [],
      warnings,
    );
    const token = await signToken(key, { sub: "alice", iss: server.issuer });
    const refusal = asRefusal(await access.authenticate(await bearer(token)));
    assert.equal(refusal.status, 401);
    assert.equal(refusal.message, "Jwks remote fetch is failed");
    assert.equal(refusal.headers["www-authenticate"], INVALID);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /^MCPRoute default\/tools: spec\.securityPolicy\.oauth: discovering the JWKS of http:\/\/127\.0\.0\.1:\d+ failed: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server: HTTP 503$/,
    );
    // Within failedRefetchDuration (1s) the issuer is not asked again.
    asRefusal(await access.authenticate(await bearer(token)));
    assert.equal(server.fetchesOf("/.well-known/oauth-authorization-server"), 1);
    server.failMetadataWith(undefined);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(asCaller(await access.authenticate(await bearer(token))).subject, "alice");
    assert.equal(server.fetchesOf("/.well-known/oauth-authorization-server"), 2);
  } finally {
    await server.close();
  }
});

test("metadata without a jwks_uri, or no metadata anywhere: 401 and a warning saying which", async () => {
  const noUri = await startFakeAuthorizationServer([key], { withoutJwksUri: true });
  const nothing = await startFakeAuthorizationServer([key], {
    issuerPath: "/t",
    document: "openid-configuration",
  });
  try {
    const warnings: string[] = [];
    for (const server of [noUri, nothing]) {
      // The second publishes its metadata at another issuer path than the one configured.
      const issuer = server === nothing ? `${server.issuer}x` : server.issuer;
      const access = compile(
        mcpRoute({ securityPolicy: { oauth: oauth({ issuer, jwks: undefined }) } }),
        [],
        warnings,
      );
      const token = await signToken(key, { sub: "alice", iss: issuer });
      assert.equal(
        asRefusal(await access.authenticate(await bearer(token))).message,
        "Jwks remote fetch is failed",
      );
    }
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0]!,
      /oauth-authorization-server: jwks_uri not found in the authorization server metadata$/,
    );
    assert.match(warnings[1]!, /\/tx\/\.well-known\/openid-configuration: HTTP 404$/);
    assert.equal(nothing.fetchesOf("/.well-known/oauth-authorization-server/tx"), 1);
  } finally {
    await noUri.close();
    await nothing.close();
  }
});
