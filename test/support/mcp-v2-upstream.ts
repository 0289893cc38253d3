import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod/v4";

export interface McpV2Upstream {
  readonly port: number;
  /** Every HTTP request it received: method, headers and body text. */
  readonly requests: { method: string; headers: IncomingHttpHeaders; body: string }[];
  /** Responses still streaming (open subscriptions/listen streams). */
  openStreams(): number;
  /** Adds a tool and tells every listen stream that asked (notifications/tools/list_changed). */
  addTool(name: string): void;
  /** Tells the listen streams that asked: notifications/resources/list_changed. */
  resourcesChanged(): void;
  /** Tells the listen streams subscribed to `uri`: notifications/resources/updated. */
  resourceUpdated(uri: string): void;
  close(): Promise<void>;
}

/**
 * A real MCP server of the official v2 SDK (`McpServer` + `createMcpHandler`, both eras: stateless
 * 2026-07-28, and the 2025 revisions served statelessly) on loopback, adapted to node:http by hand
 * (@modelcontextprotocol/node is not installed); answers are streamed (a listen stream never
 * ends by itself). Tool `echo` answers `<name>:<text>`; resource `test://<name>/info`; tools and
 * resources announce listChanged and resources subscribe (its listen streams carry them).
 */
export async function startMcpV2Upstream(name: string): Promise<McpV2Upstream> {
  const extraTools: string[] = [];
  const handler = createMcpHandler(() => {
    const server = new McpServer(
      { name: `v2-${name}`, version: "2.0.0" },
      {
        capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true } },
        instructions: `${name} speaks 2026-07-28`,
      },
    );
    for (const tool of extraTools) {
      server.registerTool(tool, { description: `${tool} of ${name}` }, async () => ({
        content: [{ type: "text", text: `${name}:${tool}` }],
      }));
    }
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
  let streaming = 0;
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method ?? "", headers: req.headers, body: body.toString("utf8") });
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(key, value);
    }
    // The client going away aborts the request, as a fetch-style server sees it (a listen ends).
    const gone = new AbortController();
    res.once("close", () => gone.abort());
    const response = await handler.fetch(
      new Request(`http://127.0.0.1${req.url ?? "/"}`, {
        method: req.method ?? "GET",
        headers,
        signal: gone.signal,
        ...(req.method === "POST" ? { body } : {}),
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) {
      res.end();
      return;
    }
    streaming++;
    try {
      for await (const chunk of response.body) res.write(chunk);
    } catch {
      // The stream was cancelled (the client went away).
    } finally {
      streaming--;
      res.end();
    }
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    port: (http.address() as AddressInfo).port,
    requests,
    openStreams: () => streaming,
    addTool(tool) {
      extraTools.push(tool);
      handler.notify.toolsChanged();
    },
    resourcesChanged: () => handler.notify.resourcesChanged(),
    resourceUpdated: (uri) => handler.notify.resourceUpdated(uri),
    close: () =>
      new Promise((resolve) => {
        void handler.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
