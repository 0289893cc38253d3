import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { McpRequestRecord } from "../../src/mcp/mcp-request-record.js";
import { connectMcpClient, firstText } from "../support/mcp-client.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

const secretDoc = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "b-key", namespace: "default" },
  stringData: { apiKey: "key-of-b" },
};

describe("MCP proxy: what reaches each backend", () => {
  let a: McpUpstream;
  let b: McpUpstream;
  let c: McpUpstream;
  let d: McpUpstream;
  let gw: TestGateway;
  const records: McpRequestRecord[] = [];

  before(async () => {
    [a, b, c, d] = await Promise.all([
      startMcpUpstream("a"),
      startMcpUpstream("b"),
      startMcpUpstream("c"),
      startMcpUpstream("d"),
    ]);
    const route = mcpRouteDoc(
      "keyed",
      [
        // No header named: Authorization: Bearer <key>.
        {
          name: "a",
          securityPolicy: { apiKey: { inline: "key-of-a" } },
          forwardHeaders: [{ name: "X-User-Pat", backendHeader: "X-Pat" }],
        },
        { name: "b", securityPolicy: { apiKey: { secretRef: { name: "b-key" }, header: "X-Api-Key" } } },
        {
          name: "c",
          path: "/mcp?tenant=t1",
          securityPolicy: { apiKey: { inline: "key of c", queryParam: "key" } },
        },
        { name: "d" },
      ],
      { path: "/keyed" },
    );
    const down = mcpRouteDoc("partial", [{ name: "a" }, { name: "gone" }], { path: "/partial" });
    gw = await startTestGateway(
      mcpConfigYaml({ a: a.port, b: b.port, c: c.port, d: d.port, gone: 1 }, secretDoc, route, down),
      { onMcpRequest: (r) => records.push(r) },
    );
  });

  after(async () => {
    await gw?.close();
    await Promise.all([a, b, c, d].map((u) => u?.close()));
  });

  it("injects each backend's API key as configured and never forwards the client's Authorization", async () => {
    const { client } = await connectMcpClient(`${gw.url}/keyed`, {
      authorization: "Bearer client-token",
      "x-user-pat": "pat-123",
    });
    for (const name of ["a", "b", "c", "d"]) {
      assert.equal(
        firstText(await client.callTool({ name: `${name}__echo`, arguments: { text: "x" } })),
        `${name}:x`,
      );
    }
    await client.close();
    const all = [a, b, c, d].flatMap((u) => u.requests);
    assert.ok(all.length >= 12);
    assert.ok(
      all.every((r) => !JSON.stringify(r.headers).includes("client-token")),
      "the client's token reached no backend",
    );
    assert.ok(a.requests.every((r) => r.headers.authorization === "Bearer key-of-a"));
    assert.ok(
      b.requests.every((r) => r.headers["x-api-key"] === "key-of-b" && r.headers.authorization === undefined),
    );
    assert.ok(
      c.requests.every(
        (r) => r.url === "/mcp?tenant=t1&key=key%20of%20c" && r.headers.authorization === undefined,
      ),
    );
    assert.ok(
      d.requests.every((r) => r.headers.authorization === undefined && r.headers["x-api-key"] === undefined),
    );
  });

  it("forwards a configured client header only to its backend, under its backend name", () => {
    assert.ok(a.requests.every((r) => r.headers["x-pat"] === "pat-123"));
    for (const u of [b, c, d]) {
      assert.ok(
        u.requests.every((r) => r.headers["x-pat"] === undefined && r.headers["x-user-pat"] === undefined),
      );
    }
  });

  it("skips a backend that is down during initialize and serves the others", async () => {
    const { client } = await connectMcpClient(`${gw.url}/partial`);
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ["a__echo", "a__whoami", "a__ask", "a__ask-aside", "a__count"],
    );
    await client.close();
    const partial = () => records.find((r) => r.route === "default/partial" && r.method === "initialize");
    await waitFor("the initialize reported", () => partial() !== undefined);
    const init = partial();
    assert.deepEqual(init?.fanOut, { ok: ["a"], failed: ["gone"] });
    assert.ok(gw.logs.some((l) => l.includes("initialize skipped gone")));
  });
});
