import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { jwksJson, signingKey, signToken, TEST_AUDIENCE, TEST_ISSUER } from "../support/jwt-issuer.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

/**
 * The record of each MCP request through a running gateway: the access log (collected by a
 * function, as GatewayOptions.accessLog allows) has one line per MCP HTTP request the official SDK
 * client made, with its method, tool, backend, session hash and caller and never a token, key or
 * session id; /metrics of the admin listener counts them under upstream's MCP metric names.
 */

const API_KEY = "upstream-api-key-123";

type Line = Record<string, unknown>;

describe("MCP: the access log and the metrics of each request", () => {
  let a: McpUpstream;
  let b: McpUpstream;
  let gw: TestGateway;
  let token: string;
  let foreignToken: string;
  const lines: string[] = [];
  /** Every HTTP request the client sent: its method and, for a POST, the JSON-RPC method. */
  const sent: { http: string; rpc?: string }[] = [];
  let sessionId: string;

  const mcpLines = () => lines.map((l) => JSON.parse(l) as Line).filter((l) => "mcp_method" in l);

  before(async () => {
    const key = await signingKey("k1");
    [a, b] = await Promise.all([startMcpUpstream("a"), startMcpUpstream("b")]);
    const route = mcpRouteDoc(
      "tools",
      [{ name: "a", securityPolicy: { apiKey: { inline: API_KEY } } }, { name: "b" }],
      {
        securityPolicy: {
          oauth: {
            issuer: TEST_ISSUER,
            audiences: [TEST_AUDIENCE],
            jwks: { localJWKS: { type: "Inline", inline: jwksJson([key]) } },
            protectedResourceMetadata: { resource: "https://mcp.example.com/mcp" },
          },
          authorization: { rules: [{ target: { tools: [{ backend: "a", tool: "echo" }] } }] },
        },
      },
    );
    gw = await startTestGateway(mcpConfigYaml({ a: a.port, b: b.port }, route), {
      accessLog: (line) => lines.push(line),
    });
    token = await signToken(key, { sub: "alice" });
    // A token of another audience first: refused, and the likeliest to leak into an error message.
    foreignToken = await signToken(key, { sub: "mallory", aud: "elsewhere" });
    const refused = await fetch(`${gw.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${foreignToken}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "tools/list" }),
    });
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
    // Refused before its body is read: its line names no JSON-RPC method.
    sent.push({ http: "POST" });
    const { client, transport } = await connectMcpClient(
      `${gw.url}/mcp`,
      { authorization: `Bearer ${token}` },
      {
        fetch: async (input, init) => {
          const body =
            typeof init?.body === "string" ? (JSON.parse(init.body) as { method?: string }) : undefined;
          sent.push({ http: init?.method ?? "GET", ...(body?.method ? { rpc: body.method } : {}) });
          return fetch(input, init);
        },
      },
    );
    sessionId = transport.sessionId!;
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ["a__echo"],
    );
    assert.equal(firstText(await client.callTool({ name: "a__echo", arguments: { text: "hi" } })), "a:hi");
    await assert.rejects(client.callTool({ name: "a__whoami" }));
    // Wait for the GET stream to be held before ending the session, so its line is in the record too.
    await Promise.all([a.waitForGet(), b.waitForGet()]);
    await transport.terminateSession();
    await client.close();
  });

  after(async () => {
    await gw?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it("writes one line per MCP HTTP request the client made, in the documented shape", async () => {
    await waitFor("a line per request", () => mcpLines().length >= sent.length);
    const got = mcpLines();
    assert.equal(got.length, sent.length, JSON.stringify(got, null, 1));
    assert.deepEqual(
      got.map((l) => `${l.method} ${l.mcp_method ?? ""}`).sort(),
      sent.map((s) => `${s.http} ${s.rpc ?? ""}`).sort(),
    );
    const [unauthorized, ...others] = got;
    assert.equal(unauthorized?.response_code, 401);
    assert.equal(unauthorized?.error, "unauthorized");
    assert.equal(unauthorized?.["ai_gateway.consumer"], null);
    for (const l of others) {
      assert.equal(l["ai_gateway.route"], "default/tools");
      assert.equal(l["ai_gateway.consumer"], "alice");
    }
  });

  it("names the tool, the backend and the session of a call; the session's lines share its hash", () => {
    const got = mcpLines();
    const call = got.find((l) => l.mcp_method === "tools/call" && l.response_code === 200);
    assert.equal(call?.mcp_tool_name, "a__echo");
    assert.equal(call?.mcp_backend, "a");
    assert.equal(call?.error, null);
    assert.match(String(call?.mcp_session_id), /^[0-9a-f]{16}$/);
    assert.equal(call?.mcp_protocol_version, "2025-11-25");
    const refused = got.find((l) => l.mcp_method === "tools/call" && l.response_code === 403);
    assert.equal(refused?.mcp_tool_name, "a__whoami");
    assert.equal(refused?.error, "forbidden");
    const list = got.find((l) => l.mcp_method === "tools/list");
    assert.equal(list?.mcp_backend, null, "a fan-out has no one backend");
    assert.deepEqual(list?.mcp_backends, ["a", "b"]);
    const init = got.find((l) => l.mcp_method === "initialize");
    assert.deepEqual(init?.mcp_backends, ["a", "b"]);
    // The initialize carries no session id yet (upstream's field is the request's header).
    assert.equal(init?.mcp_session_id, null);
    // Every line after initialize is of the one session.
    const sessions = new Set(
      got.filter((l) => l !== init && l.response_code !== 401).map((l) => l.mcp_session_id),
    );
    assert.deepEqual([...sessions], [call?.mcp_session_id]);
  });

  it("never writes the token, the API key or the session id", () => {
    assert.ok(lines.length > 0);
    for (const line of lines) {
      assert.ok(!line.includes(token), "the bearer token is in a line");
      assert.ok(!line.includes(foreignToken), "the refused token is in a line");
      assert.ok(!line.includes(API_KEY), "the upstream API key is in a line");
      assert.ok(!line.includes(sessionId), "the raw session id is in a line");
    }
  });

  it("counts the requests on the admin listener's /metrics under upstream's MCP names", async () => {
    const res = await sendRaw(`${gw.gateway.adminUrl}/metrics`);
    assert.equal(res.status, 200);
    const metrics = parsePrometheusText(res.text);
    const count = (method: string, status: string) =>
      sampleValue(metrics, "mcp_method_count_total", { mcp_method_name: method, status });
    assert.equal(count("initialize", "success"), 1);
    assert.equal(count("notifications/initialized", "success"), 1);
    assert.equal(count("tools/list", "success"), 1);
    assert.equal(count("tools/call", "success"), 1);
    assert.equal(count("tools/call", "error"), 1);
    // The refused token's request, failed before its method was read: counted without one.
    assert.equal(sampleValue(metrics, "mcp_method_count_total", { status: "error" }), 1);
    assert.equal(sampleValue(metrics, "mcp_initialization_duration_seconds_count", {}), 1);
    // Every request but the GET stream is timed; the refusal under its error type.
    const timed = sent.filter((s) => s.http !== "GET").length;
    assert.equal(sampleValue(metrics, "mcp_request_duration_seconds_count", {}), timed - 2);
    assert.equal(
      sampleValue(metrics, "mcp_request_duration_seconds_count", { error_type: "unauthorized" }),
      1,
    );
    assert.equal(sampleValue(metrics, "mcp_request_duration_seconds_count", { error_type: "forbidden" }), 1);
    assert.equal(metrics.types.get("mcp_request_duration_seconds"), "histogram");
    assert.equal(metrics.types.get("mcp_method_count_total"), "counter");
    for (const secret of [token, foreignToken, API_KEY]) assert.ok(!res.text.includes(secret));
  });
});
