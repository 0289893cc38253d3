import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
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

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** Reads SSE events off a GET until `until` holds for one; returns the events read. */
async function readEvents(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (data: string) => boolean,
): Promise<{ id: string | undefined; data: string }[]> {
  const events: { id: string | undefined; data: string }[] = [];
  let buffered = "";
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the stream ended");
    buffered += decoder.decode(value, { stream: true });
    let end = buffered.indexOf("\n\n");
    while (end >= 0) {
      const lines = buffered.slice(0, end).split("\n");
      buffered = buffered.slice(end + 2);
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
      const id = lines.find((l) => l.startsWith("id: "))?.slice(4);
      if (data.length > 0) {
        events.push({ id, data: data.join("\n") });
        if (until(data.join("\n"))) return events;
      }
      end = buffered.indexOf("\n\n");
    }
  }
}

describe("MCP proxy: notifications and server-to-client requests", () => {
  let e: McpUpstream;
  let f: McpUpstream;
  let gw: TestGateway;
  const records: McpRequestRecord[] = [];

  before(async () => {
    [e, f] = await Promise.all([startMcpUpstream("e", { resumable: true }), startMcpUpstream("f")]);
    gw = await startTestGateway(
      mcpConfigYaml({ e: e.port, f: f.port }, mcpRouteDoc("n", [{ name: "e" }, { name: "f" }])),
      { mcpSessionEncryptionSeed: "n", onMcpRequest: (r) => records.push(r) },
    );
  });

  after(async () => {
    await gw?.close();
    await Promise.all([e?.close(), f?.close()]);
  });

  it("passes a call's progress notifications on its own stream", async () => {
    const { client } = await connectMcpClient(`${gw.url}/mcp`);
    const seen: number[] = [];
    const result = await client.callTool({ name: "f__count", arguments: {} }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    assert.equal(firstText(result), "f counted");
    assert.deepEqual(seen, [1, 2]);
    await client.close();
  });

  it("brings a sampling request sent on a backend's GET stream to the client, and routes the answer back", async () => {
    const { client } = await connectMcpClient(`${gw.url}/mcp`);
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      const content = request.params.messages[0]?.content as { text?: string } | undefined;
      const question = content?.text;
      return { role: "assistant", model: "m", content: { type: "text", text: `aside to ${question}` } };
    });
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    await f.waitForGet();
    // Once a list_changed came through, f's GET stream is set up end to end.
    for (let i = 0; changed === 0 && i < 100; i++) {
      await f.addTool(`side${i}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(changed > 0);
    const result = await client.callTool({ name: "f__ask-aside", arguments: { question: "q" } });
    assert.equal(firstText(result), "f heard: aside to q");
    await client.close();
  });

  it("resumes every backend's GET stream from the sealed Last-Event-ID", async () => {
    const init = await fetch(`${gw.url}/mcp`, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
    });
    const session = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const headers = { ...HEADERS, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    await fetch(`${gw.url}/mcp`, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    });
    const first = new AbortController();
    const get = await fetch(`${gw.url}/mcp`, {
      headers: { ...headers, accept: "text/event-stream" },
      signal: first.signal,
    });
    assert.equal(get.status, 200);
    const reader = get.body!.getReader();
    let events: { id: string | undefined; data: string }[] = [];
    const reading = readEvents(reader, (d) => d.includes("list_changed")).then((ev) => {
      events = ev;
    });
    for (let i = 0; events.length === 0 && i < 100; i++) {
      await e.addTool(`before${i}`);
      await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    await reading;
    const lastId = events.at(-1)?.id;
    assert.ok(lastId, "the event carries a sealed composite id");
    assert.doesNotMatch(lastId, /^[0-9a-f-]+_/, "not the upstream's own id");
    first.abort();
    // Sent while nobody listens: the upstream's event store keeps them.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = e.requests.filter((r) => r.method === "GET").length;
    await e.addTool("missed");
    const resumed = await fetch(`${gw.url}/mcp`, {
      headers: { ...headers, accept: "text/event-stream", "last-event-id": lastId },
    });
    const resumedReader = resumed.body!.getReader();
    const replay = await readEvents(resumedReader, (d) => d.includes("list_changed"));
    assert.ok(replay.length > 0, "the missed notification was replayed");
    const upstreamGet = e.requests.filter((r) => r.method === "GET")[before];
    assert.ok(upstreamGet?.headers["last-event-id"], "the gateway asked the upstream to resume");
    assert.notEqual(upstreamGet?.headers["last-event-id"], lastId);
    await resumedReader.cancel();
    // Both GET streams of this session are reported when they end, with what each backend answered.
    await waitFor(
      "the GET streams reported",
      () => records.filter((r) => r.httpMethod === "GET").length >= 2,
    );
    for (const get of records.filter((r) => r.httpMethod === "GET").slice(-2)) {
      assert.equal(get.status, 200);
      assert.deepEqual([...(get.fanOut?.ok ?? [])].sort(), ["e", "f"]);
    }
  });
});
