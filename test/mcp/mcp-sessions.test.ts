import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { McpAccess, McpCaller } from "../../src/mcp/mcp-access.js";
import type { McpRequestRecord } from "../../src/mcp/mcp-request-record.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

const METADATA_PATH = "/.well-known/oauth-protected-resource/mcp";

/** A stand-in for the route's real access (OAuth comes from the access compiler): the caller is x-test-user. */
const testAccess: McpAccess = {
  authenticate(req) {
    const user = req.headers["x-test-user"];
    if (typeof user !== "string") {
      return {
        status: 401,
        message: "who are you",
        headers: { "www-authenticate": `Bearer resource_metadata="x${METADATA_PATH}"` },
      };
    }
    const caller: McpCaller = {
      subject: user,
      scopes: new Set(),
      claims: {},
      upstreamHeaders: { "x-user": user },
    };
    return caller;
  },
  checkTool: (caller, request) =>
    caller.subject === "bob" && request.tool === "whoami"
      ? {
          status: 403,
          message: "insufficient scope",
          headers: { "www-authenticate": 'Bearer error="insufficient_scope", scope="admin"' },
        }
      : undefined,
  backendAllowed: (caller, backend) => !(caller.subject === "bob" && backend === "b"),
  produces: ["x-user"],
  resourceMetadata: {
    path: METADATA_PATH,
    document: { resource: "http://mcp.example/mcp", authorization_servers: ["http://issuer.example"] },
  },
};

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A raw initialize as `user`; returns the session id. */
async function initialize(url: string, user: string): Promise<string> {
  const res = await post(url, INIT, { "x-test-user": user });
  assert.equal(res.status, 200, await res.clone().text());
  const id = res.headers.get("mcp-session-id");
  assert.ok(id);
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, session(id, user));
  return id;
}

function session(id: string, user: string): Record<string, string> {
  return { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18", "x-test-user": user };
}

const call = (id: number, name: string) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: { text: "t" } },
});

describe("MCP proxy: sessions without shared state, bound to their caller", () => {
  let a: McpUpstream;
  let b: McpUpstream;
  let one: TestGateway;
  let two: TestGateway;
  let stranger: TestGateway;
  const records: McpRequestRecord[] = [];

  before(async () => {
    [a, b] = await Promise.all([startMcpUpstream("a"), startMcpUpstream("b")]);
    const config = mcpConfigYaml(
      { a: a.port, b: b.port },
      mcpRouteDoc("tools", [{ name: "a", forwardHeaders: [{ name: "x-user" }] }, { name: "b" }]),
    );
    const options = { mcpAccessOf: () => testAccess, mcpSessionEncryptionSeed: "shared seed" };
    one = await startTestGateway(config, { ...options, onMcpRequest: (r) => records.push(r) });
    two = await startTestGateway(config, options);
    stranger = await startTestGateway(config, { ...options, mcpSessionEncryptionSeed: "another seed" });
  });

  after(async () => {
    await Promise.all([one?.close(), two?.close(), stranger?.close()]);
    await Promise.all([a?.close(), b?.close()]);
  });

  it("serves a session minted by one gateway from another with the same seed", async () => {
    const { client, transport } = await connectMcpClient(`${one.url}/mcp`, { "x-test-user": "alice" });
    const res = await post(`${two.url}/mcp`, call(7, "b__echo"), session(transport.sessionId!, "alice"));
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /"b:t"/);
    assert.match(body, /"id":7/);
    await client.close();
    const other = await post(
      `${stranger.url}/mcp`,
      call(8, "b__echo"),
      session(transport.sessionId!, "alice"),
    );
    assert.equal(other.status, 404, "a gateway with another seed cannot open it");
  });

  it("refuses another caller's session id with 404", async () => {
    const id = await initialize(`${one.url}/mcp`, "alice");
    const res = await post(`${one.url}/mcp`, call(2, "a__echo"), session(id, "mallory"));
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32001);
  });

  it("answers a missing session id 400 and a forged or altered one 404", async () => {
    const id = await initialize(`${one.url}/mcp`, "alice");
    const { "mcp-session-id": _, ...noSession } = session(id, "alice");
    assert.equal((await post(`${one.url}/mcp`, call(3, "a__echo"), noSession)).status, 400);
    const flipped = `${id.slice(0, 20)}${id[20] === "A" ? "B" : "A"}${id.slice(21)}`;
    for (const forged of ["not-a-session", flipped, id.slice(0, -2)]) {
      assert.equal(
        (await post(`${one.url}/mcp`, call(4, "a__echo"), session(forged, "alice"))).status,
        404,
        forged,
      );
    }
  });

  it("sends the caller's claim headers upstream over any client copy", async () => {
    const id = await initialize(`${one.url}/mcp`, "alice");
    const res = await post(`${one.url}/mcp`, call(5, "a__whoami"), {
      ...session(id, "alice"),
      "x-user": "forged",
    });
    const text = JSON.parse(
      firstText((JSON.parse(parseSse(await res.text())) as { result: unknown }).result),
    ) as Record<string, string>;
    assert.equal(text["x-user"], "alice");
  });

  it("fans out only to the backends the caller may use and hides tools it may not call", async () => {
    const { client } = await connectMcpClient(`${one.url}/mcp`, { "x-test-user": "bob" });
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ["a__echo", "a__ask", "a__ask-aside", "a__count"],
    );
    await client.close();
  });

  it("answers a refused tool call with the access's status and challenge", async () => {
    const id = await initialize(`${one.url}/mcp`, "bob");
    const calls = a.calls.length;
    const res = await post(`${one.url}/mcp`, call(6, "a__whoami"), session(id, "bob"));
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("www-authenticate"), 'Bearer error="insufficient_scope", scope="admin"');
    assert.equal(a.calls.length, calls, "the refused call never reached the backend");
    await waitFor("the refusal reported", () => records.some((r) => r.status === 403));
    const init = records.findLast((r) => r.subject === "bob" && r.method === "initialize");
    assert.deepEqual(init?.fanOut, { ok: ["a"], failed: [] }, "b is not for bob");
    assert.equal(init?.protocolVersion, "2025-06-18");
    const refused = records.findLast((r) => r.method === "tools/call");
    assert.equal(refused?.tool, "a__whoami");
    assert.equal(refused?.backend, "a");
    assert.equal(refused?.status, 403);
    assert.equal(refused?.error, "forbidden");
    assert.equal(refused?.jsonRpcId, "6");
  });

  it("answers an unauthenticated request with the access's 401 and serves the metadata without a token", async () => {
    const res = await post(`${one.url}/mcp`, INIT);
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /resource_metadata=/);
    const metadata = await fetch(`${one.url}${METADATA_PATH}`);
    assert.equal(metadata.status, 200);
    assert.deepEqual(await metadata.json(), testAccess.resourceMetadata?.document);
  });

  it("checks the protocol version, the message and the Origin", async () => {
    const id = await initialize(`${one.url}/mcp`, "alice");
    const headers = session(id, "alice");
    const badVersion = await post(`${one.url}/mcp`, call(9, "a__echo"), {
      ...headers,
      "mcp-protocol-version": "1999-01-01",
    });
    assert.equal(badVersion.status, 400);
    // Names of Object.prototype are no methods either.
    for (const method of ["nope/nothing", "constructor", "toString", "__proto__"]) {
      const unknown = await post(`${one.url}/mcp`, { jsonrpc: "2.0", id: 10, method }, headers);
      assert.equal(((await unknown.json()) as { error: { code: number } }).error.code, -32601, method);
    }
    const batch = await post(`${one.url}/mcp`, [call(11, "a__echo")], headers);
    assert.equal(batch.status, 400);
    assert.equal(((await batch.json()) as { error: { code: number } }).error.code, -32600);
    const garbage = await post(`${one.url}/mcp`, "{not json", headers);
    assert.equal(((await garbage.json()) as { error: { code: number } }).error.code, -32700);
    const foreign = await post(`${one.url}/mcp`, call(12, "a__echo"), {
      ...headers,
      origin: "http://evil.example",
    });
    assert.equal(foreign.status, 403);
    const own = await post(
      `${one.url}/mcp`,
      { jsonrpc: "2.0", id: 13, method: "ping" },
      { ...headers, origin: one.url },
    );
    assert.equal(own.status, 200);
    const put = await fetch(`${one.url}/mcp`, { method: "PUT", headers });
    assert.equal(put.status, 405);
  });
});

/** The data of the last SSE event of a body (the response to the request). */
function parseSse(body: string): string {
  const data = body.split("\n").filter((l) => l.startsWith("data: "));
  return data.at(-1)!.slice("data: ".length);
}
