import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod/v4";

export interface McpV2Upstream {
  readonly port: number;
  /** Every HTTP request it received: method, headers and body text. */
  readonly requests: { method: string; headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/**
 * A real MCP server of the official v2 SDK (`McpServer` + `createMcpHandler`, both eras: stateless
 * 2026-07-28, and the 2025 revisions served statelessly) on loopback, adapted to node:http by hand
 * (@modelcontextprotocol/node is not installed). Tool `echo` answers `<name>:<text>`; resource
 * `test://<name>/info`.
 */
export async function startMcpV2Upstream(name: string): Promise<McpV2Upstream> {
  const handler = createMcpHandler(() => {
    const server = new McpServer(
      { name: `v2-${name}`, version: "2.0.0" },
      { capabilities: { tools: {}, resources: {} }, instructions: `${name} speaks 2026-07-28` },
    );
    server.registerTool(
      "echo",
      { description: `echo of ${name}`, inputSchema: z.object({ text: z.string() }) },
      async ({ text }) => ({ content: [{ type: "text", text: `${name}:${text}` }] }),
    );
    server.registerResource("info", `test://${name}/info`, { mimeType: "text/plain" }, async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "text/plain", text: `${name} info` }],
    }));
    return server;
  });
  const requests: McpV2Upstream["requests"] = [];
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method ?? "", headers: req.headers, body: body.toString("utf8") });
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(key, value);
    }
    const response = await handler.fetch(
      new Request(`http://127.0.0.1${req.url ?? "/"}`, {
        method: req.method ?? "GET",
        headers,
        ...(req.method === "POST" ? { body } : {}),
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    port: (http.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((resolve) => {
        void handler.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
