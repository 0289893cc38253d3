import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request exactly as the fake upstream received it: tests assert on what the gateway sent. */
export interface ReceivedRequest {
  method: string;
  /** Path and query as sent on the wire. */
  url: string;
  /** Lower-case header names, as Node parses them. */
  headers: IncomingHttpHeaders;
  /** The raw body bytes. */
  body: Buffer;
  /**
   * Settles when the exchange ends: "finished" when the whole response was written, "aborted" when the
   * peer (the gateway) closed the connection first, e.g. because its client went away mid-stream.
   */
  outcome: Promise<"finished" | "aborted">;
}

/** Answers one request; may write slowly (streams) and may leave the response open. */
export type UpstreamHandler = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

export interface RecordingUpstream {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Replaces the handler for the following requests. */
  setHandler(handler: UpstreamHandler): void;
  close(): Promise<void>;
}

/**
 * A plain HTTP server on 127.0.0.1 with an ephemeral port that records every request before handing it
 * to a handler. Both the cassette replayer and the fake OpenAI server are built on it, so every test can
 * see the exact bytes and headers the gateway forwarded.
 */
export async function startRecordingUpstream(handler: UpstreamHandler): Promise<RecordingUpstream> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const outcome = new Promise<"finished" | "aborted">((resolve) => {
        res.on("close", () => resolve(res.writableFinished ? "finished" : "aborted"));
      });
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
        outcome,
      };
      requests.push(received);
      Promise.resolve()
        .then(() => current(received, res))
        .catch((err: unknown) => {
          // A broken handler must show up as a failing response, never as a hang.
          if (!res.headersSent) {
            res.writeHead(500, { "content-type": "text/plain" });
            res.end(`fake upstream handler failed: ${String(err)}`);
          } else {
            res.destroy();
          }
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setHandler(next) {
      current = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
