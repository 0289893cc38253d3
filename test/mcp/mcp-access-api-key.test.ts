import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Resource } from "../../src/config/resource.js";
import { ALLOW_ALL, ANONYMOUS } from "../../src/mcp/mcp-access.js";
import { type IncomingRequests, startIncomingRequests } from "../support/incoming-requests.js";
import {
  jwksJson,
  type SigningKey,
  signingKey,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
} from "../support/jwt-issuer.js";
import { asCaller, asRefusal, compile, mcpRoute } from "./mcp-access-fixtures.js";

/**
 * `securityPolicy.apiKeyAuth` (Envoy Gateway's APIKeyAuth, read as the tenants' SecurityPolicies
 * read it): the client id is the subject, its headers go upstream; a missing or unknown key is a
 * 401; with oauth as well both credentials are required.
 */

let key: SigningKey;
let requests: IncomingRequests;

before(async () => {
  key = await signingKey("k1");
  requests = await startIncomingRequests();
});
after(() => requests.close());

const keys: Resource = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "mcp-keys", namespace: "default" },
  stringData: { "team-a": "key-a", "team-b": "key-b" },
  source: "test.yaml#1",
};

const apiKeyAuth = {
  credentialRefs: [{ name: "mcp-keys" }],
  extractFrom: [{ headers: ["x-api-key"] }],
  forwardClientIDHeader: "X-Client-ID",
};

test("a known key makes its client the subject; the client id header goes upstream", async () => {
  const access = compile(mcpRoute({ securityPolicy: { apiKeyAuth } }), [keys]);
  const req = await requests.receive({ headers: { "X-API-Key": "key-b" } });
  const caller = asCaller(await access.authenticate(req));
  assert.equal(caller.subject, "team-b");
  assert.deepEqual(caller.upstreamHeaders, { "x-client-id": "team-b" });
  assert.equal(caller.scopes.size, 0);
  assert.deepEqual(access.produces, ["x-client-id"]);
  // The request itself is left as it came: the proxy sends upstreamHeaders, not the client's.
  assert.equal(req.headers["x-client-id"], undefined);
});

test("a missing or unknown key: 401 Client authentication failed., never echoing the key", async () => {
  const access = compile(mcpRoute({ securityPolicy: { apiKeyAuth } }), [keys]);
  for (const headers of [{}, { "x-api-key": "guessed-key" }] as Record<string, string>[]) {
    const refusal = asRefusal(await access.authenticate(await requests.receive({ headers })));
    assert.equal(refusal.status, 401);
    assert.equal(refusal.message, "Client authentication failed.");
    assert.match(refusal.headers["www-authenticate"] ?? "", /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/mcp"/);
    assert.ok(!JSON.stringify(refusal).includes("guessed-key"));
  }
  assert.throws(
    () => compile(mcpRoute({ securityPolicy: { apiKeyAuth } })),
    /^Error: MCPRoute default\/tools: spec\.securityPolicy\.apiKeyAuth\.credentialRefs\[0\]: Secret default\/mcp-keys not found$/,
  );
});

test("with oauth too, both are required; the key's client is the subject, the token's claims are the caller's", async () => {
  const access = compile(
    mcpRoute({
      securityPolicy: {
        apiKeyAuth,
        oauth: {
          issuer: TEST_ISSUER,
          audiences: [TEST_AUDIENCE],
          jwks: { localJWKS: { type: "Inline", inline: jwksJson([key]) } },
          protectedResourceMetadata: { resource: "https://mcp.example.com/mcp" },
          claimToHeaders: [{ claim: "sub", header: "x-user" }],
        },
      },
    }),
    [keys],
  );
  const token = await signToken(key, { sub: "alice", scope: "read" });
  const both = await requests.receive({
    headers: { "x-api-key": "key-a", authorization: `Bearer ${token}` },
  });
  const caller = asCaller(await access.authenticate(both));
  assert.equal(caller.subject, "team-a");
  assert.deepEqual([...caller.scopes], ["read"]);
  assert.deepEqual(caller.upstreamHeaders, { "x-client-id": "team-a", "x-user": "alice" });
  assert.deepEqual([...(access.produces ?? [])].sort(), ["x-client-id", "x-user"]);
  const metadata = 'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"';
  const keyOnly = asRefusal(
    await access.authenticate(await requests.receive({ headers: { "x-api-key": "key-a" } })),
  );
  assert.equal(keyOnly.status, 401);
  assert.equal(keyOnly.headers["www-authenticate"], `Bearer ${metadata}`);
  const tokenOnly = asRefusal(
    await access.authenticate(await requests.receive({ headers: { authorization: `Bearer ${token}` } })),
  );
  assert.equal(tokenOnly.message, "Client authentication failed.");
  assert.equal(tokenOnly.headers["www-authenticate"], `Bearer ${metadata}`);
});

test("a route without securityPolicy or backendSelector is ALLOW_ALL; extAuth is refused", async () => {
  const access = compile(mcpRoute({}));
  assert.equal(access, ALLOW_ALL);
  assert.equal(access.authenticate(await requests.receive()), ANONYMOUS);
  assert.throws(
    () => compile(mcpRoute({ securityPolicy: { extAuth: { http: {} } } })),
    /^Error: MCPRoute default\/tools: spec\.securityPolicy\.extAuth: aigw does not call external authorization services$/,
  );
});
