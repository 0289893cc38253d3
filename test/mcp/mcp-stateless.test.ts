import * as assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { McpRequestRecord } from "../../src/mcp/mcp-request-record.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { type McpV2Upstream, startMcpV2Upstream } from "../support/mcp-v2-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

const MODERN = "2026-07-28";

/** A loopback port nothing listens on (connections to it are refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function connectV2(url: string, mode: "auto" | { pin: string }): Promise<Client> {
  const client = new Client({ name: "aigw-v2-client", version: "2.0.0" }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** A raw 2026-07-28 POST: the headers as the spec has them, unless the test overrides them. */
async function post(
  url: string,
  message: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { error?: { code: number; data?: unknown }; result?: unknown } }> {
  const params = (message.params ?? {}) as Record<string, unknown>;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": String(message.method),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      ...message,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
          "io.modelcontextprotocol/clientCapabilities": {},
          ...(params._meta ?? {}),
        },
      },
    }),
  });
  // An SSE answer (a backend that streams) ends with the response event.
  const text = await res.text();
  const json = res.headers.get("content-type")?.startsWith("text/event-stream")
    ? (
        text
          .trim()
          .split("\n")
          .findLast((line) => line.startsWith("data: ")) ?? ""
      ).slice(6)
    : text;
  return { status: res.status, body: JSON.parse(json) as never };
}

describe("MCP proxy: the stateless 2026-07-28 revision next to the session-based ones", () => {
  let a: McpUpstream;
  let c: McpUpstream;
  let v: McpV2Upstream;
  let gw: TestGateway;
  let url: string;
  const records: McpRequestRecord[] = [];
  let client: Client;

  before(async () => {
    a = await startMcpUpstream("a");
    c = await startMcpUpstream("c", { json: true });
    v = await startMcpV2Upstream("v");
    const route = mcpRouteDoc("tools", [
      { name: "a", toolSelector: { include: ["echo", "whoami"] } },
      { name: "c", toolSelector: { include: ["echo"] } },
      { name: "v" },
    ]);
    const hosted = mcpRouteDoc("hosted", [{ name: "v" }], { path: "/hosted", hostnames: ["mcp.example"] });
    const partial = mcpRouteDoc("partial", [{ name: "down" }, { name: "v" }], { path: "/partial" });
    const backends = { a: a.port, c: c.port, v: v.port, down: await closedPort() };
    gw = await startTestGateway(mcpConfigYaml(backends, route, hosted, partial), {
      onMcpRequest: (r) => records.push(r),
    });
    url = `${gw.url}/mcp`;
    client = await connectV2(url, { pin: MODERN });
  });

  after(async () => {
    await client?.close();
    await gw?.close();
    await Promise.all([a?.close(), c?.close(), v?.close()]);
  });

  it("answers server/discover itself with every backend's capabilities merged", () => {
    assert.equal(client.getProtocolEra(), "modern");
    const discovered = client.getDiscoverResult();
    assert.ok(discovered?.supportedVersions.includes(MODERN));
    assert.ok(discovered?.supportedVersions.includes("2025-11-25"), "initialize still works");
    assert.equal(discovered?.capabilities.tools?.listChanged, true, "from the v1 upstreams");
    assert.ok(discovered?.capabilities.resources && discovered.capabilities.prompts);
    assert.match(String(discovered?.instructions), /v speaks 2026-07-28/);
    assert.equal(client.getServerVersion()?.name, "aigw");
  });

  it("lists the tools of legacy and stateless backends, prefixed, uncacheable", async () => {
    const listed = await client.listTools();
    assert.deepEqual(
      listed.tools.map((t) => t.name),
      ["a__echo", "a__whoami", "c__echo", "v__echo"],
    );
    const raw = await post(url, { method: "tools/list" });
    assert.equal(raw.status, 200);
    assert.deepEqual(
      { ...(raw.body.result as object), tools: undefined, _meta: undefined },
      { resultType: "complete", ttlMs: 0, cacheScope: "private", tools: undefined, _meta: undefined },
    );
  });

  it("routes calls by prefix to SSE, JSON and stateless backends, with resultType on every result", async () => {
    assert.equal(firstText(await client.callTool({ name: "a__echo", arguments: { text: "1" } })), "a:1");
    assert.equal(firstText(await client.callTool({ name: "c__echo", arguments: { text: "2" } })), "c:2");
    assert.equal(firstText(await client.callTool({ name: "v__echo", arguments: { text: "3" } })), "v:3");
    const raw = await post(
      url,
      { method: "tools/call", params: { name: "c__echo", arguments: { text: "4" } } },
      { "mcp-name": "c__echo" },
    );
    assert.equal((raw.body.result as { resultType?: string }).resultType, "complete");
    await post(
      url,
      { method: "tools/call", params: { name: "v__echo", arguments: { text: "p" } } },
      { "mcp-name": "v__echo", "mcp-param-text": "p" },
    );
    const mirrored = v.requests.findLast((r) => r.body.includes('"text":"p"'));
    assert.equal(mirrored?.headers["mcp-param-text"], "p", "argument headers reach a stateless backend");
    const atV = v.requests.findLast((r) => r.body.includes('"tools/call"'));
    assert.equal(atV?.headers["mcp-method"], "tools/call");
    assert.equal(atV?.headers["mcp-name"], "echo", "the backend's own name");
    assert.equal(atV?.headers["mcp-protocol-version"], MODERN);
    assert.equal(atV?.headers["mcp-session-id"], undefined);
  });

  it("reads a resource back with its prefixed URI and no caching", async () => {
    const read = await post(
      url,
      { method: "resources/read", params: { uri: "v+test://v/info" } },
      {
        "mcp-name": "v+test://v/info",
      },
    );
    assert.equal(read.status, 200);
    const result = read.body.result as { contents: { uri: string }[]; ttlMs: number; cacheScope: string };
    assert.deepEqual(
      result.contents.map((x) => x.uri),
      ["v+test://v/info"],
    );
    assert.deepEqual([result.ttlMs, result.cacheScope], [0, "private"]);
    const legacy = await client.readResource({ uri: "a+test://a/info" });
    assert.deepEqual(
      legacy.contents.map((x) => ("text" in x ? x.text : undefined)),
      ["a read test://a/info"],
    );
  });

  it("opens one upstream session per legacy backend and caller, declaring no client capabilities", () => {
    assert.equal(a.initializeParams.length, 1);
    const seen = a.initializeParams[0] as { capabilities: unknown; clientInfo: { name: string } };
    assert.deepEqual(seen.capabilities, {});
    assert.equal(seen.clientInfo.name, "aigw");
    assert.equal(v.requests.filter((r) => r.body.includes('"initialize"')).length, 0, "v is stateless");
  });

  it("opens a fresh upstream session when a legacy backend has forgotten the gateway's", async () => {
    const sessionId = a.requests.findLast((r) => r.headers["mcp-session-id"])?.headers["mcp-session-id"];
    const ended = await fetch(`http://127.0.0.1:${a.port}/mcp`, {
      method: "DELETE",
      headers: { "mcp-session-id": String(sessionId), "mcp-protocol-version": "2025-11-25" },
    });
    assert.equal(ended.status, 200);
    assert.equal(firstText(await client.callTool({ name: "a__echo", arguments: { text: "5" } })), "a:5");
    assert.equal(a.initializeParams.length, 2);
  });

  it("refuses header mismatches, unsupported versions, methods it has not, and GET / DELETE", async () => {
    const wrongName = await post(
      url,
      { method: "tools/call", params: { name: "a__echo", arguments: { text: "x" } } },
      { "mcp-name": "c__echo" },
    );
    assert.deepEqual([wrongName.status, wrongName.body.error?.code], [400, -32020]);
    const noName = await post(url, { method: "tools/call", params: { name: "a__echo", arguments: {} } });
    assert.deepEqual([noName.status, noName.body.error?.code], [400, -32020]);
    const wrongMethod = await post(url, { method: "tools/list" }, { "mcp-method": "prompts/list" });
    assert.deepEqual([wrongMethod.status, wrongMethod.body.error?.code], [400, -32020]);
    const encoded = await post(
      url,
      { method: "tools/call", params: { name: "a__echo", arguments: { text: "é" } } },
      { "mcp-name": `=?base64?${Buffer.from("a__echo").toString("base64")}?=` },
    );
    assert.equal(encoded.status, 200, "a base64-encoded Mcp-Name is decoded");
    const future = await post(
      url,
      {
        method: "tools/list",
        params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01" } },
      },
      { "mcp-protocol-version": "2099-01-01" },
    );
    assert.equal(future.status, 400);
    assert.equal(future.body.error?.code, -32022);
    assert.deepEqual(future.body.error?.data, { supported: [MODERN], requested: "2099-01-01" });
    for (const method of ["ping", "logging/setLevel", "initialize", "resources/subscribe"]) {
      const unknown = await post(url, { method });
      assert.deepEqual([unknown.status, unknown.body.error?.code], [404, -32601], method);
    }
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(url, { method, headers: { "mcp-protocol-version": MODERN } });
      assert.equal(res.status, 405, method);
      await res.body?.cancel();
    }
    await waitFor("the refusals reported", () => records.some((r) => r.error === "header_mismatch"));
    const record = records.find((r) => r.error === "header_mismatch");
    assert.equal(record?.protocolVersion, MODERN);
    assert.equal(record?.session, undefined);
  });

  it("serves a stateless client from the backends that answer, and asks a down one again only later", async () => {
    for (let i = 0; i < 2; i++) {
      const listed = await post(`${gw.url}/partial`, { method: "tools/list" });
      assert.equal(listed.status, 200);
      assert.deepEqual(
        (listed.body.result as { tools: { name: string }[] }).tools.map((t) => t.name),
        ["v__echo"],
      );
    }
    const skipped = gw.logs.filter((line) => line.includes("down skipped for 2026-07-28 clients"));
    assert.equal(skipped.length, 1, "the second request did not ask the down backend again");
  });

  it("refuses a browser page whose name was re-pointed at the gateway (DNS rebinding)", async () => {
    const discover = (host: string) => ({
      method: "POST" as const,
      body: {
        jsonrpc: "2.0",
        id: 1,
        method: "server/discover",
        params: { _meta: { "io.modelcontextprotocol/protocolVersion": MODERN } },
      },
      headers: {
        host,
        origin: `http://${host}`,
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": "server/discover",
      },
    });
    assert.equal(
      (await sendRaw(url, discover("evil.example"))).status,
      403,
      "a name the route does not list",
    );
    const own = new URL(url).host;
    assert.equal((await sendRaw(url, discover(own))).status, 200, "a loopback page of the gateway");
    const hosted = await sendRaw(`${gw.url}/hosted`, discover("mcp.example"));
    assert.equal(hosted.status, 200, "a hostname the route lists is the operator's");
  });

  it("lets an 'auto' client find the stateless era, and a v1 client keep its session", async () => {
    const auto = await connectV2(url, "auto");
    try {
      assert.equal(auto.getProtocolEra(), "modern");
      assert.equal(firstText(await auto.callTool({ name: "v__echo", arguments: { text: "6" } })), "v:6");
    } finally {
      await auto.close();
    }
    const { client: v1, transport } = await connectMcpClient(url);
    try {
      assert.ok(transport.sessionId);
      const { tools } = await v1.listTools();
      assert.deepEqual(
        tools.map((t) => t.name),
        ["a__echo", "a__whoami", "c__echo", "v__echo"],
      );
      assert.equal(firstText(await v1.callTool({ name: "v__echo", arguments: { text: "7" } })), "v:7");
    } finally {
      await v1.close();
    }
  });
});
