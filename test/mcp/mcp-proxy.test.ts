import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { McpRequestRecord } from "../../src/mcp/mcp-request-record.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

describe("MCP proxy: three upstream MCP servers behind one endpoint", () => {
  let a: McpUpstream;
  let b: McpUpstream;
  let c: McpUpstream;
  let gw: TestGateway;
  const mcpRecords: McpRequestRecord[] = [];
  let client: Client;
  let transport: StreamableHTTPClientTransport;

  before(async () => {
    a = await startMcpUpstream("a", { extraTools: ["secret"], instructions: "a knows echo" });
    b = await startMcpUpstream("b");
    c = await startMcpUpstream("c", { json: true, instructions: "c answers in JSON" });
    const route = mcpRouteDoc("tools", [
      { name: "a" },
      // "ch" matches anywhere (echo); whoami matches "^who" but the exclude wins.
      { name: "b", toolSelector: { includeRegex: ["ch", "^who"], exclude: ["whoami"] } },
      { name: "c", toolSelector: { excludeRegex: ["^as"] } },
    ]);
    gw = await startTestGateway(mcpConfigYaml({ a: a.port, b: b.port, c: c.port }, route), {
      onMcpRequest: (r) => mcpRecords.push(r),
    });
    ({ client, transport } = await connectMcpClient(`${gw.url}/mcp`));
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      const content = request.params.messages[0]?.content as { text?: string };
      return {
        role: "assistant",
        model: "test",
        content: { type: "text", text: `forty-two (${content.text})` },
      };
    });
  });

  after(async () => {
    await client?.close();
    await gw?.close();
    await Promise.all([a?.close(), b?.close(), c?.close()]);
  });

  it("initializes every backend with the client's own params and merges what they offer", () => {
    assert.ok(transport.sessionId, "the gateway minted a session id");
    assert.deepEqual(client.getServerVersion(), {
      name: "aigw",
      version: client.getServerVersion()?.version,
    });
    const caps = client.getServerCapabilities();
    assert.equal(caps?.tools?.listChanged, true);
    assert.equal(caps?.resources?.subscribe, true, "c subscribes, so the union does");
    assert.ok(caps?.prompts && caps.logging);
    assert.equal(client.getInstructions(), "a knows echo\n\nc answers in JSON");
    for (const upstream of [a, b, c]) {
      const seen = upstream.initializeParams[0] as { capabilities: unknown; clientInfo: { name: string } };
      assert.deepEqual(seen.capabilities, { sampling: {} });
      assert.equal(seen.clientInfo.name, "aigw-test-client");
    }
  });

  it("lists every backend's tools prefixed, filtered by the tool selectors", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      [
        "a__echo",
        "a__whoami",
        "a__ask",
        "a__ask-aside",
        "a__count",
        "a__secret",
        "b__echo",
        "c__echo",
        "c__whoami",
        "c__count",
      ],
    );
    assert.equal(tools.find((t) => t.name === "b__echo")?.description, "echo of b");
  });

  it("routes a call by its prefix and forwards the backend's own name (SSE and JSON upstreams)", async () => {
    assert.equal(firstText(await client.callTool({ name: "b__echo", arguments: { text: "hi" } })), "b:hi");
    assert.equal(firstText(await client.callTool({ name: "c__echo", arguments: { text: "yo" } })), "c:yo");
    assert.deepEqual(b.calls.at(-1), { tool: "echo", arguments: { text: "hi" } });
    assert.deepEqual(c.calls.at(-1), { tool: "echo", arguments: { text: "yo" } });
    await waitFor("the call reported", () => mcpRecords.some((r) => r.tool === "c__echo"));
    const record = mcpRecords.findLast((r) => r.method === "tools/call");
    assert.equal(record?.tool, "c__echo");
    assert.equal(record?.backend, "c");
    assert.equal(record?.status, 200);
    assert.match(record?.session ?? "", /^[0-9a-f]{16}$/);
  });

  it("refuses a tool the selector hides, and a name of no backend, without calling upstream", async () => {
    const before = b.calls.length + c.calls.length;
    for (const name of ["b__whoami", "c__ask", "zz__echo", "echo"]) {
      await assert.rejects(client.callTool({ name, arguments: {} }), (err: Error & { code?: number }) => {
        assert.equal(err.code, -32602, name);
        assert.match(err.message, /unknown tool/);
        return true;
      });
    }
    assert.equal(b.calls.length + c.calls.length, before);
  });

  it("merges prompts and resources with prefixed names and URIs, and reads them back", async () => {
    const { prompts } = await client.listPrompts();
    assert.deepEqual(
      prompts.map((p) => p.name),
      ["a__greet", "b__greet", "c__greet"],
    );
    const prompt = await client.getPrompt({ name: "b__greet" });
    assert.deepEqual(prompt.messages[0]?.content, { type: "text", text: "b greets via greet" });
    const { resources } = await client.listResources();
    assert.deepEqual(
      resources.map((r) => [r.name, r.uri]),
      [
        ["a__info", "a+test://a/info"],
        ["b__info", "b+test://b/info"],
        ["c__info", "c+test://c/info"],
      ],
    );
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(
      resourceTemplates.map((t) => t.uriTemplate),
      ["a+test://a/items/{id}", "b+test://b/items/{id}", "c+test://c/items/{id}"],
    );
    const read = await client.readResource({ uri: "c+test://c/items/7" });
    assert.deepEqual(read.contents, [
      { uri: "c+test://c/items/7", mimeType: "text/plain", text: "c read test://c/items/7" },
    ]);
  });

  it("answers ping itself and fans logging/setLevel out", async () => {
    const before = a.requests.length;
    await client.ping();
    assert.equal(a.requests.length, before, "ping stays at the gateway");
    await client.setLoggingLevel("debug");
    assert.ok(a.requests.length > before && b.requests.length > 0);
  });

  it("brings a sampling request of a backend to the client and its answer back to that backend", async () => {
    const result = await client.callTool({ name: "a__ask", arguments: { question: "meaning?" } });
    assert.equal(firstText(result), "a heard: forty-two (meaning?)");
  });

  it("delivers a backend's list_changed on the client's GET stream", async () => {
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    await b.waitForGet();
    // The upstream drops a notification sent before its GET stream is set up: repeat until one arrives.
    for (let i = 0; changed === 0 && i < 100; i++) {
      await b.addTool(`added${i}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(changed > 0, "the client heard list_changed");
    const get = mcpRecords.find((r) => r.httpMethod === "GET");
    assert.equal(get, undefined, "the GET stream is still open, so not reported yet");
  });

  it("ends every upstream session on DELETE", async () => {
    const ended = [a.deleted.length, b.deleted.length, c.deleted.length];
    await transport.terminateSession();
    assert.deepEqual(
      [a.deleted.length, b.deleted.length, c.deleted.length],
      ended.map((n) => n + 1),
    );
    await waitFor("the DELETE reported", () => mcpRecords.some((r) => r.httpMethod === "DELETE"));
    const record = mcpRecords.findLast((r) => r.httpMethod === "DELETE");
    assert.deepEqual(record?.fanOut, { ok: ["a", "b", "c"], failed: [] });
  });
});
