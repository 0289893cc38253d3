import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  discoverOAuthProtectedResourceMetadata,
  extractResourceMetadataUrl,
} from "@modelcontextprotocol/sdk/client/auth.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { JWTPayload } from "jose";
import { freePort } from "../support/free-port.js";
import { type JwksServer, startJwksServer } from "../support/jwks-server.js";
import { type SigningKey, signingKey, signToken, TEST_ISSUER } from "../support/jwt-issuer.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * An MCPRoute with securityPolicy.oauth (keys from a JWKS endpoint) and authorization rules, driven
 * over real HTTP by the official SDK client with real JWTs, in front of two official-SDK servers:
 * the 401 challenge and the metadata document the SDK's own discovery reads, audience binding,
 * per-caller tool lists and calls (scopes, claims, a CEL rule on a header, tool targets, a tool
 * selector), the step-up 403, claim headers, sessions bound to their caller, no token passthrough.
 */

const AUDIENCE = "mcp-e2e";
const GITHUB_KEY = "github-upstream-key";

/**
 * The refusals (4xx/5xx) the SDK client received, so a test can read their status, challenge and
 * body. Only those are cloned: the SDK cancels the body of a 202, and a tee'd body's cancel waits
 * for its other branch too.
 */
function recordingFetch(): { fetch: typeof fetch; responses: Response[] } {
  const responses: Response[] = [];
  return {
    responses,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (res.status >= 400) responses.push(res.clone());
      return res;
    },
  };
}

describe("MCP OAuth through the proxy", () => {
  let key: SigningKey;
  let jwks: JwksServer;
  let github: McpUpstream;
  let kiwi: McpUpstream;
  let gw: TestGateway;
  let origin: string;
  const tokens: Record<string, string> = {};
  const clients: Client[] = [];

  const token = (claims: JWTPayload) => signToken(key, { aud: AUDIENCE, ...claims });
  const bearer = (name: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${tokens[name]}`,
    ...extra,
  });
  async function connectAs(name: string, extra: Record<string, string> = {}) {
    const recorded = recordingFetch();
    const { client, transport } = await connectMcpClient(`${origin}/mcp`, bearer(name, extra), {
      fetch: recorded.fetch,
    });
    clients.push(client);
    return { client, transport, responses: recorded.responses };
  }
  const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);

  before(async () => {
    key = await signingKey("idp-1");
    jwks = await startJwksServer([key]);
    [github, kiwi] = await Promise.all([
      startMcpUpstream("github", { extraTools: ["create_issue", "delete_repo"] }),
      startMcpUpstream("kiwi"),
    ]);
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const route = mcpRouteDoc(
      "tools",
      [
        {
          name: "github",
          toolSelector: { excludeRegex: ["^delete"] },
          securityPolicy: { apiKey: { inline: GITHUB_KEY } },
        },
        { name: "kiwi" },
      ],
      {
        path: "/mcp",
        securityPolicy: {
          oauth: {
            issuer: TEST_ISSUER,
            audiences: [AUDIENCE],
            jwks: { remoteJWKS: { uri: jwks.uri } },
            protectedResourceMetadata: {
              resource: `${origin}/mcp`,
              resourceName: "E2E tools",
              scopesSupported: ["tools:read"],
            },
            claimToHeaders: [
              { claim: "sub", header: "x-user" },
              { claim: "org.team", header: "x-team" },
            ],
          },
          authorization: {
            rules: [
              {
                source: { jwt: { scopes: ["issues:write"] } },
                target: { tools: [{ backend: "github", tool: "create_issue" }] },
              },
              // The devs call everything else: creating issues takes the scope of the rule above.
              {
                source: { jwt: { claims: [{ name: "groups", valueType: "StringArray", values: ["devs"] }] } },
                cel: 'request.mcp.tool != "create_issue"',
              },
              {
                target: {
                  tools: [
                    { backend: "kiwi", tool: "count" },
                    { backend: "kiwi", tool: "whoami" },
                  ],
                },
                cel: 'request.headers[?"x-tenant"].orValue("") == "blue"',
              },
            ],
          },
        },
      },
    );
    gw = await startTestGateway(mcpConfigYaml({ github: github.port, kiwi: kiwi.port }, route), { port });
    tokens.alice = await token({
      sub: "alice",
      scope: "tools:read issues:write",
      groups: ["devs"],
      org: { team: "blue" },
    });
    tokens.carol = await token({ sub: "carol", scope: "tools:read", groups: ["devs", "ops"] });
    tokens.bob = await token({ sub: "bob", scope: "tools:read" });
    tokens.elsewhere = await token({ sub: "alice", aud: "another-resource", groups: ["devs"] });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.close();
    await Promise.all([github?.close(), kiwi?.close(), jwks?.close()]);
  });

  it("answers a request without a token 401, pointing at the metadata the SDK's discovery then reads", async () => {
    const recorded = recordingFetch();
    await assert.rejects(
      connectMcpClient(`${origin}/mcp`, {}, { fetch: recorded.fetch }),
      (err: Error & { code?: number }) => err.code === 401,
    );
    const refusal = recorded.responses.at(-1)!;
    assert.equal(refusal.status, 401);
    assert.equal(
      refusal.headers.get("www-authenticate"),
      `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", scope="tools:read"`,
    );
    assert.equal(
      extractResourceMetadataUrl(refusal)?.href,
      `${origin}/.well-known/oauth-protected-resource/mcp`,
    );
    // The SDK's own RFC 9728 discovery (path insertion after the origin), without a token.
    const metadata = await discoverOAuthProtectedResourceMetadata(`${origin}/mcp`);
    assert.deepEqual(metadata, {
      resource: `${origin}/mcp`,
      authorization_servers: [TEST_ISSUER],
      bearer_methods_supported: ["header"],
      resource_name: "E2E tools",
      scopes_supported: ["tools:read"],
    });
    assert.equal(github.requests.length + kiwi.requests.length, 0, "no backend was asked");
  });

  it("refuses a token issued for another audience with 401 invalid_token", async () => {
    const recorded = recordingFetch();
    await assert.rejects(
      connectMcpClient(`${origin}/mcp`, bearer("elsewhere"), { fetch: recorded.fetch }),
      (err: Error & { code?: number }) => err.code === 401,
    );
    const refusal = recorded.responses.at(-1)!;
    assert.match(refusal.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_token", /);
    assert.ok(!(await refusal.text()).includes(tokens.elsewhere!), "the refusal echoes the token");
  });

  it("lists each caller only the tools it may call, and the selector's hidden tool to nobody", async () => {
    const all = ["echo", "whoami", "ask", "ask-aside", "count"];
    const { client: alice } = await connectAs("alice");
    assert.deepEqual(await toolNames(alice), [
      ...all.map((t) => `github__${t}`),
      "github__create_issue",
      ...all.map((t) => `kiwi__${t}`),
    ]);
    const { client: carol } = await connectAs("carol");
    assert.deepEqual(await toolNames(carol), [
      ...all.map((t) => `github__${t}`),
      ...all.map((t) => `kiwi__${t}`),
    ]);
    const { client: bob } = await connectAs("bob");
    assert.deepEqual(await toolNames(bob), []);
    const { client: blueBob } = await connectAs("bob", { "x-tenant": "blue" });
    assert.deepEqual(await toolNames(blueBob), ["kiwi__whoami", "kiwi__count"]);
  });

  it("calls what the caller may call, and refuses the rest 403 before any backend sees it", async () => {
    const { client: alice } = await connectAs("alice");
    assert.equal(firstText(await alice.callTool({ name: "github__create_issue" })), "github:create_issue");
    // Hidden by the selector: unknown, whatever the rules allow.
    await assert.rejects(
      alice.callTool({ name: "github__delete_repo" }),
      (err: Error & { code?: number }) => {
        return err.code === -32602;
      },
    );

    const { client: carol, responses } = await connectAs("carol");
    const calls = github.calls.length;
    await assert.rejects(
      carol.callTool({ name: "github__create_issue" }),
      (err: Error & { code?: number }) => {
        return err.code === 403;
      },
    );
    const refusal = responses.at(-1)!;
    assert.equal(refusal.status, 403);
    assert.equal(
      refusal.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", scope="issues:write", resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", error_description="The token is missing required scopes"`,
    );
    assert.equal(github.calls.length, calls, "the refused call reached no backend");

    // The CEL rule reads the request's header: bob's call passes with it and not without.
    const { client: bob, responses: bobs } = await connectAs("bob");
    await assert.rejects(bob.callTool({ name: "kiwi__count" }), (err: Error & { code?: number }) => {
      return err.code === 403;
    });
    assert.equal(bobs.at(-1)?.headers.get("www-authenticate"), null, "no scope would help: no step-up");
    const { client: blueBob } = await connectAs("bob", { "x-tenant": "blue" });
    assert.equal(firstText(await blueBob.callTool({ name: "kiwi__count" })), "kiwi counted");
  });

  it("sends the claim headers upstream over the client's own copies, and never the client's token", async () => {
    const forged = { "x-user": "mallory", "x-team": "red" };
    const { client: alice } = await connectAs("alice", forged);
    const seenByGithub = JSON.parse(firstText(await alice.callTool({ name: "github__whoami" })));
    assert.equal(seenByGithub["x-user"], "alice");
    assert.equal(seenByGithub["x-team"], "blue");
    assert.equal(seenByGithub.authorization, `Bearer ${GITHUB_KEY}`, "github gets its own API key");
    // bob's token has no org.team: the client's x-team is dropped, not passed on.
    const { client: bob } = await connectAs("bob", { ...forged, "x-tenant": "blue" });
    const seenByKiwi = JSON.parse(firstText(await bob.callTool({ name: "kiwi__whoami" })));
    assert.equal(seenByKiwi["x-user"], "bob");
    assert.equal(seenByKiwi["x-team"], undefined);
    assert.equal(seenByKiwi.authorization, undefined, "kiwi has no key, so gets no Authorization");

    const upstreamRequests = [...github.requests, ...kiwi.requests];
    assert.ok(upstreamRequests.length > 10);
    for (const r of upstreamRequests) {
      const sent = JSON.stringify(r.headers);
      for (const [name, t] of Object.entries(tokens))
        assert.ok(!sent.includes(t), `${name}'s token went upstream`);
      assert.ok(r.headers.authorization === undefined || r.headers.authorization === `Bearer ${GITHUB_KEY}`);
    }
  });

  it("refuses alice's session presented with bob's token as unknown (404), and serves it to alice's next token", async () => {
    const { transport } = await connectAs("alice");
    const sessionId = transport.sessionId!;
    const recorded = recordingFetch();
    // The SDK resumes a session it is given instead of initializing.
    const { client: asBob } = await connectMcpClient(`${origin}/mcp`, bearer("bob", { "x-tenant": "blue" }), {
      sessionId,
      fetch: recorded.fetch,
    });
    clients.push(asBob);
    const kiwiCalls = kiwi.calls.length;
    await assert.rejects(asBob.callTool({ name: "kiwi__count" }), (err: Error & { code?: number }) => {
      return err.code === 404;
    });
    const refusal = recorded.responses.at(-1)!;
    assert.equal(refusal.status, 404);
    assert.equal(((await refusal.json()) as { error: { code: number } }).error.code, -32001);
    assert.equal(kiwi.calls.length, kiwiCalls);
    // Bound to the subject, not to the token: alice's refreshed token opens her session.
    const refreshed = await token({ sub: "alice", scope: "tools:read", groups: ["devs"] });
    const { client: aliceAgain } = await connectMcpClient(
      `${origin}/mcp`,
      { authorization: `Bearer ${refreshed}` },
      { sessionId },
    );
    clients.push(aliceAgain);
    assert.equal(
      firstText(await aliceAgain.callTool({ name: "kiwi__echo", arguments: { text: "me" } })),
      "kiwi:me",
    );
  });
});
