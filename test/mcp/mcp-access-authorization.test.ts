import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import type { JWTPayload } from "jose";
import type { McpAccess, McpCaller } from "../../src/mcp/mcp-access.js";
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
 * `securityPolicy.authorization` over real requests and verified tokens: upstream's rule order
 * (first match wins), scopes all required, claims AND-ed, CEL on the request (an error is no
 * match), default deny, and the 403 step-up challenge naming the scopes that would allow the call.
 */

let key: SigningKey;
let requests: IncomingRequests;

before(async () => {
  key = await signingKey("k1");
  requests = await startIncomingRequests();
});
after(() => requests.close());

const METADATA = 'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"';

function routeWith(authorization: Record<string, unknown>) {
  return mcpRoute({
    securityPolicy: {
      oauth: {
        issuer: TEST_ISSUER,
        audiences: [TEST_AUDIENCE],
        jwks: { localJWKS: { type: "Inline", inline: jwksJson([key]) } },
        protectedResourceMetadata: { resource: "https://mcp.example.com/mcp" },
      },
      authorization,
    },
  });
}

/** The caller a token with `claims` makes, and the request it came on (with `headers`). */
async function callerWith(
  access: McpAccess,
  claims: JWTPayload,
  headers: Record<string, string> = {},
): Promise<{ caller: McpCaller; req: IncomingMessage }> {
  const token = await signToken(key, { sub: "alice", ...claims });
  const req = await requests.receive({ headers: { authorization: `Bearer ${token}`, ...headers } });
  return { caller: asCaller(await access.authenticate(req)), req };
}

/** Whether each of `tools` ("backend/tool") may be called; a refusal as its status. */
function verdicts(access: McpAccess, who: { caller: McpCaller; req: IncomingMessage }, tools: string[]) {
  return tools.map((t) => {
    const [backend, tool] = t.split("/") as [string, string];
    return access.checkTool(who.caller, { backend, tool, req: who.req })?.status ?? "allowed";
  });
}

const tool = (backend: string, name: string) => ({ backend, tool: name });

test("every listed scope is required; the 403 names the scopes that would allow the call", async () => {
  const access = compile(
    routeWith({
      rules: [
        {
          source: { jwt: { scopes: ["issues:read", "issues:write"] } },
          target: { tools: [tool("github", "create_issue")] },
        },
      ],
    }),
  );
  const both = await callerWith(access, { scope: "issues:read issues:write" });
  assert.equal(
    access.checkTool(both.caller, { backend: "github", tool: "create_issue", req: both.req }),
    undefined,
  );
  const one = await callerWith(access, { scope: "issues:read" });
  const refusal = access.checkTool(one.caller, { backend: "github", tool: "create_issue", req: one.req });
  assert.equal(refusal?.status, 403);
  assert.equal(
    refusal?.headers["www-authenticate"],
    `Bearer error="insufficient_scope", scope="issues:read issues:write", ${METADATA}, error_description="The token is missing required scopes"`,
  );
  // `scp` lists count as scopes too (Azure AD, Okta).
  const scp = await callerWith(access, { scp: ["issues:read", "issues:write"] });
  assert.equal(
    access.checkTool(scp.caller, { backend: "github", tool: "create_issue", req: scp.req }),
    undefined,
  );
  // A tool no rule targets is denied by default, with no step-up to offer.
  const other = access.checkTool(both.caller, { backend: "kiwi", tool: "search", req: both.req });
  assert.deepEqual(other, { status: 403, message: "access denied", headers: {} });
});

test("the step-up challenge names the smallest scope set among the Allow rules that would apply", async () => {
  const access = compile(
    routeWith({
      rules: [
        { source: { jwt: { scopes: ["admin", "github:all"] } } },
        { source: { jwt: { scopes: ["github:write"] } }, target: { tools: [tool("github", "push")] } },
        { source: { jwt: { scopes: ["other"] } }, target: { tools: [tool("kiwi", "search")] } },
      ],
    }),
  );
  const who = await callerWith(access, { scope: "github:read" });
  const refusal = access.checkTool(who.caller, { backend: "github", tool: "push", req: who.req });
  assert.match(refusal?.headers["www-authenticate"] ?? "", /, scope="github:write", /);
  const wide = access.checkTool(who.caller, { backend: "github", tool: "pull", req: who.req });
  assert.match(wide?.headers["www-authenticate"] ?? "", /, scope="admin github:all", /);
});

test("claims are AND-ed: String claims equal one value, StringArray claims hold one (or are one)", async () => {
  const access = compile(
    routeWith({
      rules: [
        {
          source: {
            jwt: {
              claims: [
                { name: "org.tenant", values: ["acme", "globex"] },
                { name: "groups", valueType: "StringArray", values: ["devs", "ops"] },
              ],
            },
          },
        },
      ],
    }),
  );
  const cases: [JWTPayload, number | "allowed"][] = [
    [{ org: { tenant: "acme" }, groups: ["sales", "ops"] }, "allowed"],
    [{ org: { tenant: "globex" }, groups: "devs" }, "allowed"],
    [{ org: { tenant: "initech" }, groups: ["devs"] }, 403],
    [{ org: { tenant: "acme" }, groups: ["sales"] }, 403],
    [{ org: { tenant: "acme" } }, 403],
    [{ org: { tenant: ["acme"] }, groups: ["devs"] }, 403],
    [{ groups: ["devs"] }, 403],
  ];
  for (const [claims, expected] of cases) {
    const who = await callerWith(access, claims);
    assert.deepEqual(verdicts(access, who, ["github/any"]), [expected], JSON.stringify(claims));
  }
});

test("CEL reads request headers by lower-case name, the tool, its arguments and the token", async () => {
  const access = compile(
    routeWith({
      rules: [
        {
          cel: 'request.headers["x-tenant"] == "blue" && request.method == "POST" && request.path == "/mcp"',
        },
        { cel: 'request.mcp.tool == "echo" && request.mcp.params.arguments.text == "hi"' },
        { cel: '"ops" in request.auth.jwt.claims.groups && "deploy" in request.auth.jwt.scopes' },
        { cel: 'request.mcp.method == "tools/call" && request.headers_all["x-flag"].size() == 2' },
      ],
    }),
  );
  const blue = await callerWith(access, {}, { "X-Tenant": "blue" });
  assert.deepEqual(verdicts(access, blue, ["github/a", "kiwi/b"]), ["allowed", "allowed"]);
  const red = await callerWith(access, {}, { "X-Tenant": "red" });
  assert.deepEqual(verdicts(access, red, ["github/a"]), [403]);
  const echo = (text: string) =>
    access.checkTool(red.caller, { backend: "kiwi", tool: "echo", arguments: { text }, req: red.req })
      ?.status;
  assert.equal(echo("hi"), undefined);
  assert.equal(echo("bye"), 403);
  // A listing (no arguments) has no params: the second rule's CEL errs, which is no match.
  assert.deepEqual(verdicts(access, red, ["kiwi/echo"]), [403]);
  const ops = await callerWith(access, { groups: ["ops"], scope: "deploy" });
  assert.deepEqual(verdicts(access, ops, ["github/a"]), ["allowed"]);
  const twice = await requests.receive({
    headers: { authorization: `Bearer ${await signToken(key, { sub: "bob" })}`, "x-flag": ["1", "2"] },
  });
  const bob = { caller: asCaller(await access.authenticate(twice)), req: twice };
  assert.deepEqual(verdicts(access, bob, ["github/a"]), ["allowed"]);
});

test("a CEL error is no match: the next rules decide, and the first error is reported once", async () => {
  const warnings: string[] = [];
  const access = compile(
    routeWith({
      rules: [
        { cel: 'request.headers["x-missing"] == "yes"', action: "Deny" },
        { cel: "request.auth.jwt.claims.level > 3" },
      ],
    }),
    [],
    warnings,
  );
  const high = await callerWith(access, { level: 5 });
  assert.deepEqual(verdicts(access, high, ["github/a", "github/b"]), ["allowed", "allowed"]);
  const low = await callerWith(access, { level: 1 });
  assert.deepEqual(verdicts(access, low, ["github/a"]), [403]);
  // A claim of the wrong type is an error too, hence no match.
  const text = await callerWith(access, { level: "high" });
  assert.deepEqual(verdicts(access, text, ["github/a"]), [403]);
  assert.equal(warnings.length, 2);
  assert.match(
    warnings[0]!,
    /^MCPRoute default\/tools: spec\.securityPolicy\.authorization\.rules\[0\]\.cel failed \(a failure is no match; further ones are not reported\): /,
  );
  assert.match(warnings[1]!, /rules\[1\]\.cel failed/);
});

test("the first matching rule wins: a Deny before an Allow refuses, an Allow before a Deny admits", async () => {
  const access = compile(
    routeWith({
      rules: [
        { target: { tools: [tool("github", "delete_repo")] }, action: "Deny" },
        { source: { jwt: { scopes: ["github"] } } },
        { target: { tools: [tool("kiwi", "search")] }, action: "Deny" },
      ],
    }),
  );
  const who = await callerWith(access, { scope: "github" });
  assert.deepEqual(verdicts(access, who, ["github/delete_repo", "github/push", "kiwi/search"]), [
    403,
    "allowed",
    "allowed",
  ]);
  const nobody = await callerWith(access, {});
  assert.deepEqual(verdicts(access, nobody, ["github/push", "kiwi/search"]), [403, 403]);
});

test("default deny; defaultAction Allow; no rules; no authorization at all allows everything", async () => {
  const none = compile(routeWith({ rules: [] }));
  const who = await callerWith(none, {});
  assert.deepEqual(verdicts(none, who, ["github/a"]), [403]);
  const open = compile(
    routeWith({
      defaultAction: "Allow",
      rules: [{ target: { tools: [tool("github", "a")] }, action: "Deny" }],
    }),
  );
  assert.deepEqual(verdicts(open, who, ["github/a", "github/b"]), [403, "allowed"]);
  const unguarded = compile(
    mcpRoute({
      securityPolicy: {
        oauth: {
          issuer: TEST_ISSUER,
          audiences: [TEST_AUDIENCE],
          jwks: { localJWKS: { type: "Inline", inline: jwksJson([key]) } },
          protectedResourceMetadata: { resource: "https://mcp.example.com/mcp" },
        },
      },
    }),
  );
  assert.deepEqual(verdicts(unguarded, who, ["github/a", "kiwi/b"]), ["allowed", "allowed"]);
});

test("a target names (backend, tool) pairs: the same tool name on another backend is not targeted", async () => {
  const access = compile(routeWith({ rules: [{ target: { tools: [tool("github", "search")] } }] }));
  const who = await callerWith(access, {});
  assert.deepEqual(verdicts(access, who, ["github/search", "kiwi/search", "github/other"]), [
    "allowed",
    403,
    403,
  ]);
});

test("CEL that is not a bool, or does not parse, is refused at configuration time with its path", () => {
  assert.throws(
    () => compile(routeWith({ rules: [{ cel: '"yes"' }] })),
    /^Error: MCPRoute default\/tools: spec\.securityPolicy\.authorization\.rules\[0\]\.cel: must evaluate to a bool, not string$/,
  );
  assert.throws(
    () => compile(routeWith({ rules: [{}, { cel: "request.method ==" }] })),
    /^Error: MCPRoute default\/tools: spec\.securityPolicy\.authorization\.rules\[1\]\.cel: /,
  );
});
