import { randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";

/**
 * A lean MCP upstream for the MCP benchmark's initialize budget (mcp-bench.ts): Streamable HTTP by
 * hand, JSON answers, sessions kept as a set of ids, a few microseconds of CPU per request. Three
 * upstreams share one core in the benchmark; the SDK's upstream (serve-mcp-upstream.ts) spends
 * about 2 ms of CPU per initialize (a McpServer with its own Ajv per session), so when the
 * gateway's fan-out reaches all three at once, the slowest one's request waits for its siblings'
 * work before its own clock starts, a cost of the shared core that backends on their own hosts do
 * not have. Here the slowest backend is slow by its `--initialize-delay-ms` alone, the same whether
 * the client or the gateway asks. Answers initialize, notifications (202), ping, tools/call of
 * `echo` (`<name>:<text>`) and DELETE.
 * Usage: node dist/bench/serve-lean-mcp-upstream.js --port N --name a [--initialize-delay-ms 20]
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
const sessions = new Set<string>();

interface Message {
  id?: string | number;
  method?: string;
  params?: { protocolVersion?: string; name?: string; arguments?: { text?: string } };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function answer(res: ServerResponse, message: Message, sessionId: string | undefined): void {
  const { id, method, params } = message;
  if (method === "initialize") {
    const session = randomUUID();
    sessions.add(session);
    const result = {
      protocolVersion: params?.protocolVersion,
      capabilities: { tools: { listChanged: true } },
      serverInfo: { name: `lean-${name}`, version: "1.0.0" },
    };
    json(res, 200, { jsonrpc: "2.0", id, result }, { "mcp-session-id": session });
    return;
  }
  if (sessionId === undefined || !sessions.has(sessionId)) json(res, 404, {});
  else if (id === undefined) res.writeHead(202, { "content-length": "0" }).end();
  else if (method === "ping") json(res, 200, { jsonrpc: "2.0", id, result: {} });
  else if (method === "tools/call" && params?.name === "echo") {
    const content = [{ type: "text", text: `${name}:${params.arguments?.text ?? ""}` }];
    json(res, 200, { jsonrpc: "2.0", id, result: { content } });
  } else {
    json(res, 200, { jsonrpc: "2.0", id, error: { code: -32601, message: `Method not found: ${method}` } });
  }
}

createServer((req, res) => {
  const header = req.headers["mcp-session-id"];
  const sessionId = typeof header === "string" ? header : undefined;
  if (req.method === "DELETE") {
    json(res, sessionId !== undefined && sessions.delete(sessionId) ? 200 : 404, {});
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let message: Message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Message;
    } catch {
      json(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
      return;
    }
    if (message.method === "initialize" && initializeDelayMs > 0) {
      setTimeout(() => answer(res, message, sessionId), initializeDelayMs);
    } else answer(res, message, sessionId);
  });
}).listen(Number(values.port), "127.0.0.1");
