import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

/**
 * One MCP upstream of the MCP benchmark (mcp-bench.ts) in its own process: the official v1 SDK's
 * `McpServer` behind its `StreamableHTTPServerTransport`, stateful (a server and a transport per
 * session, as the SDK's own examples run it) and answering in SSE, the SDK's default. Its one tool
 * `echo` answers `<name>:<text>`. `--initialize-delay-ms` holds every initialize that long before
 * the SDK sees it, so one backend is clearly the slowest to initialize.
 * Usage: node dist/bench/serve-mcp-upstream.js --port N --name a [--initialize-delay-ms 20]
 */
const { values } = parseArgs({
  options: {
    port: { type: "string" },
    name: { type: "string", default: "upstream" },
    "initialize-delay-ms": { type: "string", default: "0" },
  },
});
const name = values.name;
const initializeDelayMs = Number(values["initialize-delay-ms"]);

function mcpServer(): McpServer {
  const server = new McpServer({ name: `bench-${name}`, version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: `Echoes text (${name})`, inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: "text", text: `${name}:${text}` }] }),
  );
  return server;
}

const sessions = new Map<string, StreamableHTTPServerTransport>();

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const http = createServer(async (req, res) => {
  try {
    const sessionId = req.headers["mcp-session-id"];
    const body = req.method === "POST" ? await readJson(req) : undefined;
    let transport = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (sessionId !== undefined && !transport) {
      res.writeHead(404).end();
      return;
    }
    if (!transport) {
      if ((body as { method?: unknown } | undefined)?.method === "initialize" && initializeDelayMs > 0) {
        await sleep(initializeDelayMs);
      }
      const fresh = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, fresh);
        },
        onsessionclosed: (id) => {
          sessions.delete(id);
        },
      });
      await mcpServer().connect(fresh);
      transport = fresh;
    }
    await transport.handleRequest(req, res, body);
  } catch (error) {
    // A body that is not JSON (or a transport failure): the benchmark's client never sends one.
    if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" });
    res.end((error as Error).message);
  }
});
http.listen(Number(values.port), "127.0.0.1");
