import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";

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

/** A strict fake upstream (Anthropic, Bedrock): a recording upstream that also keeps what it accepted. */
export interface FakeUpstream<Call> {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  readonly port: number;
  /** Requests that passed the fake's checks (authentication, validation), as it understood them. */
  readonly calls: Call[];
  /** Every request received, accepted or not. */
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** `upstream` as a FakeUpstream whose handler pushes what it accepts to `calls`. */
export function withCalls<Call>(upstream: RecordingUpstream, calls: Call[]): FakeUpstream<Call> {
  return {
    url: upstream.url,
    port: upstream.port,
    calls,
    requests: upstream.requests,
    close: () => upstream.close(),
  };
}

/** The body of a request the upstream received, parsed as JSON. */
export function sentJson(sent: ReceivedRequest): Record<string, unknown> {
  return JSON.parse(sent.body.toString("utf8")) as Record<string, unknown>;
}

/**
 * Writes `bytes` cut into pieces of `sizes` (cycled), then ends the response. A turn passes between
 * writes so the pieces leave separately and the gateway's reader sees the cuts; a response the peer
 * closed meanwhile is left alone.
 */
export async function writeInPieces(
  res: ServerResponse,
  bytes: Buffer,
  sizes: readonly number[],
): Promise<void> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    if (res.destroyed) return;
    const size = sizes[i % sizes.length] as number;
    res.write(bytes.subarray(offset, offset + size));
    offset += size;
    await nextTurn();
  }
  res.end();
}

/** Reads a request's whole body and hands it on as a ReceivedRequest, whose outcome settles with `res`. */
export function receiveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  onReceived: (received: ReceivedRequest) => void,
): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const outcome = new Promise<"finished" | "aborted">((resolve) => {
      res.on("close", () => resolve(res.writableFinished ? "finished" : "aborted"));
    });
    onReceived({
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks),
      outcome,
    });
  });
}

/**
 * A plain HTTP server on 127.0.0.1 with an ephemeral port that records every request before handing it
 * to a handler. Both the cassette replayer and the fake OpenAI server are built on it, so every test can
 * see the exact bytes and headers the gateway forwarded.
 */
export async function startRecordingUpstream(handler: UpstreamHandler): Promise<RecordingUpstream> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) =>
    receiveRequest(req, res, (received) => {
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
    }),
  );
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
