import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ANONYMOUS } from "../../src/mcp/mcp-access.js";
import { type IncomingRequests, startIncomingRequests } from "../support/incoming-requests.js";
import {
  jwksJson,
  type SigningKey,
  signingKey,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
} from "../support/jwt-issuer.js";
import { asCaller, compile, mcpRoute } from "./mcp-access-fixtures.js";

/**
 * `backendSelector`: asked per candidate backend when a session starts, with upstream's CEL
 * variables (request.mcp.backend the candidate; headers and the token's claims), first match
 * wins, default deny.
 */

let key: SigningKey;
let requests: IncomingRequests;

before(async () => {
  key = await signingKey("k1");
  requests = await startIncomingRequests();
});
after(() => requests.close());

const BACKENDS = ["github", "kiwi", "jira"];

test("a claim listing the caller's backends selects them, as upstream's example has it", async () => {
  const access = compile(
    mcpRoute({
      securityPolicy: {
        oauth: {
          issuer: TEST_ISSUER,
          audiences: [TEST_AUDIENCE],
          jwks: { localJWKS: { type: "Inline", inline: jwksJson([key]) } },
          protectedResourceMetadata: { resource: "https://mcp.example.com/mcp" },
        },
      },
      backendSelector: { rules: [{ cel: "request.mcp.backend in request.auth.jwt.claims.mcp_backends" }] },
    }),
  );
  const token = await signToken(key, { sub: "alice", mcp_backends: ["github", "jira"] });
  const req = await requests.receive({ headers: { authorization: `Bearer ${token}` } });
  const caller = asCaller(await access.authenticate(req));
  assert.deepEqual(
    BACKENDS.filter((b) => access.backendAllowed(caller, b, req)),
    ["github", "jira"],
  );
  // A token without the claim: the CEL errs, no rule matches, the default denies every backend.
  const bare = await requests.receive({
    headers: { authorization: `Bearer ${await signToken(key, { sub: "bob" })}` },
  });
  const bob = asCaller(await access.authenticate(bare));
  assert.deepEqual(
    BACKENDS.filter((b) => access.backendAllowed(bob, b, bare)),
    [],
  );
});

test("a header subset, Deny rules, first match wins, defaultAction Allow", async () => {
  const access = compile(
    mcpRoute({
      backendSelector: {
        defaultAction: "Allow",
        rules: [
          {
            cel: 'request.mcp.backend == "jira" && request.mcp.tool == "" && request.mcp.method == ""',
            action: "Deny",
          },
          {
            cel: '("," + request.headers["x-ai-eg-mcp-backend-subset"] + ",").contains("," + request.mcp.backend + ",")',
          },
          { cel: 'request.headers[?"x-ai-eg-mcp-backend-subset"].hasValue()', action: "Deny" },
        ],
      },
    }),
  );
  const subset = await requests.receive({ headers: { "X-AI-EG-MCP-Backend-Subset": "kiwi,jira" } });
  assert.deepEqual(
    BACKENDS.filter((b) => access.backendAllowed(ANONYMOUS, b, subset)),
    ["kiwi"],
  );
  const plain = await requests.receive();
  assert.deepEqual(
    BACKENDS.filter((b) => access.backendAllowed(ANONYMOUS, b, plain)),
    ["github", "kiwi"],
  );
});

test("no backendSelector: every backend; one without rules: none (its default is Deny)", async () => {
  const req = await requests.receive();
  const open = compile(mcpRoute({ securityPolicy: { authorization: { defaultAction: "Allow" } } }));
  assert.deepEqual(
    BACKENDS.filter((b) => open.backendAllowed(ANONYMOUS, b, req)),
    BACKENDS,
  );
  const closed = compile(mcpRoute({ backendSelector: {} }));
  assert.deepEqual(
    BACKENDS.filter((b) => closed.backendAllowed(ANONYMOUS, b, req)),
    [],
  );
  assert.throws(
    () => compile(mcpRoute({ backendSelector: { rules: [{ cel: '"name: " + request.mcp.backend' }] } })),
    /^Error: MCPRoute default\/tools: spec\.backendSelector\.rules\[0\]\.cel: must evaluate to a bool, not string$/,
  );
});
