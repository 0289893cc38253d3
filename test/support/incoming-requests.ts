import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Real IncomingMessages for code that reads them (the MCP access checks): a request sent over
 * loopback to a server that hands over what Node parsed, headers and all, and answers 204.
 */
export interface IncomingRequests {
  /** Sends a request and resolves with the IncomingMessage the server received for it. */
  receive(options?: {
    path?: string;
    method?: string;
    headers?: Record<string, string | string[]>;
  }): Promise<IncomingMessage>;
  close(): Promise<void>;
}

const ID_HEADER = "x-test-request-id";

export async function startIncomingRequests(): Promise<IncomingRequests> {
  const waiting = new Map<string, (req: IncomingMessage) => void>();
  let next = 0;
  const server = createServer((req, res) => {
    req.resume();
    waiting.get(String(req.headers[ID_HEADER]))?.(req);
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    receive(options = {}) {
      const id = String(++next);
      return new Promise<IncomingMessage>((resolve, reject) => {
        waiting.set(id, (req) => {
          waiting.delete(id);
          resolve(req);
        });
        const client = request({
          host: "127.0.0.1",
          port,
          path: options.path ?? "/mcp",
          method: options.method ?? "POST",
          headers: { ...options.headers, [ID_HEADER]: id },
          agent: false,
        });
        client.on("response", (res) => res.resume());
        client.on("error", reject);
        client.end();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
