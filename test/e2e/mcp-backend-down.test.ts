import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

/**
 * A backend that goes down in the middle of a session (test/mcp covers one down during
 * initialize): the official SDK client's lists are answered from the others and the access log
 * names the one skipped; a call routed to it fails with 502, and calls to the others go on.
 */

describe("MCP: a backend that goes down after initialize", () => {
  let a: McpUpstream;
  let b: McpUpstream;
  let gw: TestGateway;
  let client: Client;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    [a, b] = await Promise.all([startMcpUpstream("a"), startMcpUpstream("b")]);
    const route = mcpRouteDoc("tools", [{ name: "a" }, { name: "b", toolSelector: { include: ["echo"] } }]);
    gw = await startTestGateway(mcpConfigYaml({ a: a.port, b: b.port }, route), {
      accessLog: (line) => lines.push(JSON.parse(line)),
    });
    ({ client } = await connectMcpClient(`${gw.url}/mcp`));
    assert.ok((await client.listTools()).tools.some((t) => t.name === "b__echo"));
    await b.close();
  });

  after(async () => {
    await client?.close();
    await gw?.close();
    await a?.close();
  });

  it("lists the tools of the backends still up and logs the one skipped", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ["a__echo", "a__whoami", "a__ask", "a__ask-aside", "a__count"],
    );
    await waitFor(
      "the partial list's line",
      () => lines.filter((l) => l.mcp_method === "tools/list").length === 2,
    );
    const partial = lines.filter((l) => l.mcp_method === "tools/list").at(-1);
    assert.deepEqual(partial?.mcp_backends, ["a"]);
    assert.deepEqual(partial?.mcp_backends_failed, ["b"]);
    assert.equal(partial?.response_code, 200);
  });

  it("answers a call to the backend that is down 502, and serves the others", async () => {
    await assert.rejects(
      client.callTool({ name: "b__echo", arguments: { text: "x" } }),
      (err: Error & { code?: number }) => err.code === 502,
    );
    assert.equal(firstText(await client.callTool({ name: "a__echo", arguments: { text: "x" } })), "a:x");
    await waitFor("the failed call's line", () => lines.some((l) => l.mcp_tool_name === "b__echo"));
    const failed = lines.find((l) => l.mcp_tool_name === "b__echo");
    assert.equal(failed?.response_code, 502);
    assert.equal(failed?.mcp_backend, "b");
    assert.equal(failed?.error, "backend_unreachable");
  });
});
