import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { McpRequestRecord } from "../../src/mcp/mcp-request-record.js";
import { mcpConfigYaml, mcpRouteDoc } from "../support/mcp-route-yaml.js";
import { type McpUpstream, startMcpUpstream } from "../support/mcp-upstream.js";
import { type McpV2Upstream, startMcpV2Upstream } from "../support/mcp-v2-upstream.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { waitFor } from "../support/wait-for.js";

const MODERN = "2026-07-28";
const SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

interface Seen {
  method: string;
  params: Record<string, unknown>;
}

/** A v2 SDK client pinned to 2026-07-28 that keeps every change notification its listen delivers. */
async function listeningClient(url: string): Promise<{ client: Client; seen: Seen[] }> {
  const client = new Client(
    { name: "listener", version: "1" },
    { versionNegotiation: { mode: { pin: MODERN } } },
  );
  const seen: Seen[] = [];
  for (const method of [
    "notifications/tools/list_changed",
    "notifications/resources/list_changed",
    "notifications/resources/updated",
  ] as const) {
    client.setNotificationHandler(method, (n) => {
      seen.push({ method, params: (n.params ?? {}) as Record<string, unknown> });
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, seen };
}

/** The listen request's JSON-RPC id as the backend `v` received it (the client's id, passed on). */
function listenBodies(v: McpV2Upstream): Record<string, unknown>[] {
  return v.requests
    .filter((r) => r.method === "POST" && r.body.includes('"subscriptions/listen"'))
    .map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

describe("MCP proxy: 2026-07-28 subscriptions/listen over legacy and stateless backends", () => {
  let a: McpUpstream;
  let c: McpUpstream;
  let v: McpV2Upstream;
  let gw: TestGateway;
  let url: string;
  const records: McpRequestRecord[] = [];

  before(async () => {
    a = await startMcpUpstream("a");
    c = await startMcpUpstream("c");
    v = await startMcpV2Upstream("v");
    const route = mcpRouteDoc("tools", [{ name: "a" }, { name: "c" }, { name: "v" }]);
    const onlyV = mcpRouteDoc("only-v", [{ name: "a" }, { name: "c" }, { name: "v" }], {
      path: "/only-v",
      backendSelector: { rules: [{ cel: 'request.mcp.backend == "v"' }] },
    });
    gw = await startTestGateway(mcpConfigYaml({ a: a.port, c: c.port, v: v.port }, route, onlyV), {
      onMcpRequest: (r) => records.push(r),
    });
    url = `${gw.url}/mcp`;
  });

  after(async () => {
    await gw?.close();
    await Promise.all([a?.close(), c?.close(), v?.close()]);
  });

  it("acknowledges the honoured filter, relays and tags what was asked, drops the rest, and closes upstream", async () => {
    const { client, seen } = await listeningClient(url);
    try {
      const subscription = await client.listen({
        toolsListChanged: true,
        promptsListChanged: true,
        resourceSubscriptions: ["c+test://c/info", "v+test://v/info", "a+test://a/info", "nobody+x://y"],
      });
      // No backend announces prompts.listChanged; only c (legacy) and v (stateless) resources.subscribe.
      assert.deepEqual(subscription.honoredFilter, {
        toolsListChanged: true,
        resourceSubscriptions: ["c+test://c/info", "v+test://v/info"],
      });

      // Each backend was asked for every list flag (it narrows them) and only for its own URIs, without the gateway's prefix.
      assert.deepEqual(c.subscribed, ["test://c/info"]);
      const [forwarded] = listenBodies(v);
      const params = forwarded?.params as { notifications: unknown } | undefined;
      assert.deepEqual(params?.notifications, {
        toolsListChanged: true,
        promptsListChanged: true,
        resourceSubscriptions: ["test://v/info"],
      });

      const listenId = (forwarded as { id: unknown }).id;
      const tagged = (s: Seen) => (s.params._meta as Record<string, unknown> | undefined)?.[SUBSCRIPTION_ID];

      await a.addTool("late-a");
      await waitFor("the legacy backend's tools/list_changed", () => seen.length >= 1);
      v.addTool("late-v");
      await waitFor("the stateless backend's tools/list_changed", () => seen.length >= 2);
      assert.deepEqual(
        seen.map((s) => s.method),
        ["notifications/tools/list_changed", "notifications/tools/list_changed"],
      );
      assert.ok(
        seen.every((s) => tagged(s) === listenId),
        "tagged with the listen's id",
      );

      // Not asked for (resources/list_changed, a URI nobody subscribed), then asked: only the latter arrives.
      v.resourcesChanged();
      await c.updateResource("test://c/other");
      await c.updateResource("test://c/info");
      await waitFor("c's resource update", () => seen.length >= 3);
      v.resourceUpdated("test://v/other");
      v.resourceUpdated("test://v/info");
      await waitFor("v's resource update", () => seen.length >= 4);
      assert.deepEqual(seen.slice(2), [
        {
          method: "notifications/resources/updated",
          params: { uri: "c+test://c/info", _meta: { [SUBSCRIPTION_ID]: listenId } },
        },
        {
          method: "notifications/resources/updated",
          params: { uri: "v+test://v/info", _meta: { [SUBSCRIPTION_ID]: listenId } },
        },
      ]);

      // The listen's own legacy sessions (a and c) are ended, v's stream is closed.
      const deletedBefore = a.deleted.length + c.deleted.length;
      assert.ok(v.openStreams() >= 1);
      await subscription.close();
      assert.equal(await subscription.closed, "local");
      await waitFor(
        "the legacy upstreams' DELETE",
        () => a.deleted.length + c.deleted.length === deletedBefore + 2,
      );
      await waitFor("the stateless upstream's listen stream closed", () => v.openStreams() === 0);
      // What was DELETEd is the session the listen's GET stream was on, not the caller's cached one.
      for (const legacy of [a, c]) {
        const gets = legacy.requests
          .filter((r) => r.method === "GET")
          .map((r) => r.headers["mcp-session-id"]);
        assert.deepEqual(legacy.deleted, gets);
      }
      await waitFor("the listen's record", () => records.some((r) => r.method === "subscriptions/listen"));
      const record = records.find((r) => r.method === "subscriptions/listen");
      assert.deepEqual(record?.fanOut, { ok: ["a", "c", "v"], failed: [] });
      assert.equal(record?.error, undefined, "closing a listen is its normal end");
    } finally {
      await client.close();
    }
  });

  it("asks only the backends the backendSelector allows", async () => {
    const { client } = await listeningClient(`${gw.url}/only-v`);
    const subscribedBefore = c.subscribed.length;
    const getsBefore = [a, c].map((u) => u.requests.filter((r) => r.method === "GET").length);
    try {
      const subscription = await client.listen({
        toolsListChanged: true,
        resourceSubscriptions: ["c+test://c/info", "v+test://v/info"],
      });
      assert.deepEqual(subscription.honoredFilter, {
        toolsListChanged: true,
        resourceSubscriptions: ["v+test://v/info"],
      });
      assert.equal(c.subscribed.length, subscribedBefore);
      assert.deepEqual(
        [a, c].map((u) => u.requests.filter((r) => r.method === "GET").length),
        getsBefore,
      );
      await subscription.close();
    } finally {
      await client.close();
    }
  });

  it("answers at once when nothing asked for can be honoured", async () => {
    const { client } = await listeningClient(url);
    try {
      const subscription = await client.listen({ promptsListChanged: true });
      assert.deepEqual(subscription.honoredFilter, {});
      assert.equal(await subscription.closed, "graceful");
    } finally {
      await client.close();
    }
  });

  it("refuses a filter that is not one with -32602", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": "subscriptions/listen",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "subscriptions/listen",
        params: {
          notifications: { toolsListChanged: "yes" },
          _meta: { "io.modelcontextprotocol/protocolVersion": MODERN },
        },
      }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { id: number; error: { code: number } };
    assert.equal(body.id, 7);
    assert.equal(body.error.code, -32602);
  });
});

describe("MCP proxy: a gateway drain ends a subscriptions/listen gracefully", () => {
  it("answers the listen request before closing", async () => {
    const v = await startMcpV2Upstream("v");
    const gw = await startTestGateway(mcpConfigYaml({ v: v.port }, mcpRouteDoc("tools", [{ name: "v" }])));
    const { client } = await listeningClient(`${gw.url}/mcp`);
    try {
      const subscription = await client.listen({ toolsListChanged: true });
      assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true });
      await gw.close();
      assert.equal(await subscription.closed, "graceful");
      await waitFor("the upstream listen stream closed", () => v.openStreams() === 0);
    } finally {
      await client.close();
      await v.close();
    }
  });
});
