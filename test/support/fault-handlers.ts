import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { brotliCompressSync, createBrotliCompress, createGzip, gzipSync } from "node:zlib";
import { FAKE_CHAT_USAGE, FAKE_CREATED, fakeOpenAIHandler } from "./fake-openai-server.js";
import { type ReceivedRequest, receiveRequest, type UpstreamHandler } from "./recording-upstream.js";

/**
 * Faults a fake upstream can commit, as handlers for `startRecordingUpstream` (or `setHandler`), and
 * the few things the resilience tests need around them: a port nobody listens on, an upstream that
 * can be killed and brought back on the same port, OpenAI-shaped bodies to break, and the
 * BackendTrafficPolicy document. Every fault is exact about what reaches the wire: headers are
 * flushed before a reset, a reset happens only once the bytes before it were handed to the kernel.
 */

type Doc = Record<string, unknown>;

// ---- OpenAI-shaped bodies -------------------------------------------------------------------------

/** The text `chatStreamEvents` streams by default, one piece per event. */
export const STREAM_PIECES: readonly string[] = ["one", " two", " three", " four"];

/** A chat.completion answer with FAKE_CHAT_USAGE. */
export function chatCompletionBody(model: string, content = "fault-free answer"): string {
  return JSON.stringify({
    id: "chatcmpl-fault-1",
    object: "chat.completion",
    created: FAKE_CREATED,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: FAKE_CHAT_USAGE,
  });
}

/** One chat.completion.chunk as an SSE event. */
export function chatChunkEvent(
  model: string,
  delta: Record<string, unknown>,
  options: { finishReason?: string; usage?: unknown; noChoices?: boolean } = {},
): string {
  const chunk: Record<string, unknown> = {
    id: "chatcmpl-fault-1",
    object: "chat.completion.chunk",
    created: FAKE_CREATED,
    model,
    choices: options.noChoices
      ? []
      : [{ index: 0, delta, logprobs: null, finish_reason: options.finishReason ?? null }],
  };
  if (options.usage !== undefined) chunk.usage = options.usage;
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/**
 * A complete streamed chat answer as SSE events: a role chunk, one chunk per piece, the finish
 * chunk, a usage chunk (FAKE_CHAT_USAGE; unless `usage: false`) and `[DONE]`.
 */
export function chatStreamEvents(
  model: string,
  pieces: readonly string[] = STREAM_PIECES,
  options: { usage?: boolean } = {},
): string[] {
  const events = [chatChunkEvent(model, { role: "assistant", content: "" })];
  for (const content of pieces) events.push(chatChunkEvent(model, { content }));
  events.push(chatChunkEvent(model, {}, { finishReason: "stop" }));
  if (options.usage !== false)
    events.push(chatChunkEvent(model, {}, { noChoices: true, usage: FAKE_CHAT_USAGE }));
  events.push("data: [DONE]\n\n");
  return events;
}

const modelOf = (req: ReceivedRequest): string => {
  try {
    return String((JSON.parse(req.body.toString("utf8")) as { model?: unknown }).model);
  } catch {
    return "unknown";
  }
};

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" } as const;

// ---- low-level wire control -----------------------------------------------------------------------

/**
 * Resolves once everything written to `res` so far (headers included: `writeHead` alone only
 * stores them) was handed to the kernel.
 */
export function flushed(res: ServerResponse): Promise<void> {
  res.flushHeaders();
  const socket = res.socket;
  if (!socket || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.write("", () => resolve()));
}

/** Flushes what was written, then destroys the connection: the peer sees those bytes, then EOF. */
export async function resetAfterFlush(res: ServerResponse): Promise<void> {
  await flushed(res);
  res.socket?.destroy();
}

// ---- handlers -------------------------------------------------------------------------------------

/** Answers `status` with an OpenAI JSON error and `headers` (e.g. retry-after). */
export function answerStatus(status: number, headers: Record<string, string> = {}): UpstreamHandler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(
      JSON.stringify({
        error: { message: `injected ${status}`, type: "server_error", param: null, code: null },
      }),
    );
  };
}

/** Never answers: the request stays open until the gateway gives up on it. */
export const hang: UpstreamHandler = () => undefined;

/** Answers like `inner` (the fake OpenAI server by default) after `ms`. */
export function delayed(ms: number, inner: UpstreamHandler = fakeOpenAIHandler): UpstreamHandler {
  return async (req, res) => {
    await sleep(ms);
    if (!res.destroyed) await inner(req, res);
  };
}

/** 200 with SSE headers, flushed, then the connection is destroyed before any body byte. */
export const resetAfterHeaders: UpstreamHandler = async (_req, res) => {
  res.writeHead(200, SSE_HEADERS);
  await resetAfterFlush(res);
};

/** Streams the first `count` events of a complete chat stream, then destroys the connection. */
export function resetAfterEvents(count: number, events?: (model: string) => string[]): UpstreamHandler {
  return async (req, res) => {
    const all = events ? events(modelOf(req)) : chatStreamEvents(modelOf(req));
    res.writeHead(200, SSE_HEADERS);
    for (const event of all.slice(0, count)) {
      res.write(event);
      await flushed(res);
    }
    await resetAfterFlush(res);
  };
}

/** Streams the first `count` events of a complete chat stream, then goes silent (never ends). */
export function stallAfterEvents(count: number): UpstreamHandler {
  return async (req, res) => {
    res.writeHead(200, SSE_HEADERS);
    for (const event of chatStreamEvents(modelOf(req)).slice(0, count)) res.write(event);
    await flushed(res);
  };
}

/** Sends the 200 SSE headers at once, then nothing (never ends). */
export const stallAfterHeaders: UpstreamHandler = async (_req, res) => {
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
};

/**
 * A complete chat stream, one event every `intervalMs` after the headers (sent at once); `pieces`
 * pieces of text. Ends early, quietly, if the gateway goes away.
 */
export function trickle(intervalMs: number, pieces: readonly string[]): UpstreamHandler {
  return async (req, res) => {
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    for (const event of chatStreamEvents(modelOf(req), pieces)) {
      await sleep(intervalMs);
      if (res.destroyed) return;
      res.write(event);
    }
    res.end();
  };
}

/** A 200 whose body is `body` verbatim (not what the API promises). */
export function garbage200(body: string, contentType = "application/json"): UpstreamHandler {
  return (_req, res) => {
    res.writeHead(200, { "content-type": contentType });
    res.end(body);
  };
}

/**
 * A non-streamed 200 that declares the whole answer's content-length, sends the first half of it
 * and destroys the connection.
 */
export const truncatedJson: UpstreamHandler = async (req, res) => {
  const body = Buffer.from(chatCompletionBody(modelOf(req)));
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.write(body.subarray(0, Math.floor(body.length / 2)));
  await resetAfterFlush(res);
};

/**
 * A correct chat answer, compressed with `encoding` although the gateway never asked for it. A
 * stream is compressed as it goes: each event is flushed out of the compressor and written in its
 * own turn, as a compressing proxy would.
 */
export function compressed(encoding: "gzip" | "br"): UpstreamHandler {
  return async (req, res) => {
    const model = modelOf(req);
    const stream = (JSON.parse(req.body.toString("utf8")) as { stream?: unknown }).stream === true;
    if (!stream) {
      const body = Buffer.from(chatCompletionBody(model));
      const zipped = encoding === "gzip" ? gzipSync(body) : brotliCompressSync(body);
      res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding });
      res.end(zipped);
      return;
    }
    res.writeHead(200, { ...SSE_HEADERS, "content-encoding": encoding });
    const zip = encoding === "gzip" ? createGzip() : createBrotliCompress();
    zip.pipe(res);
    for (const event of chatStreamEvents(model)) {
      zip.write(event);
      await new Promise<void>((resolve) => zip.flush(() => resolve()));
      await sleep(1);
    }
    zip.end();
  };
}

// ---- upstreams ------------------------------------------------------------------------------------

/** A port nothing listens on: bound once to learn a free number, then released. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An upstream that can die abruptly and come back on the same port. */
export interface KillableUpstream {
  readonly url: string;
  readonly port: number;
  /** Requests received (whole bodies), over every life of the server. */
  readonly served: () => number;
  /** Stops listening and destroys every connection, in flight or idle, at once. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1 answering with `handler` that can be killed and restarted. */
export async function startKillableUpstream(
  handler: UpstreamHandler = fakeOpenAIHandler,
): Promise<KillableUpstream> {
  let served = 0;
  let server: Server | undefined;
  let sockets = new Set<Socket>();
  let port = 0;
  const listen = async (): Promise<void> => {
    const own = new Set<Socket>();
    sockets = own;
    const s = createServer((req: IncomingMessage, res: ServerResponse) =>
      receiveRequest(req, res, (received) => {
        served += 1;
        Promise.resolve()
          .then(() => handler(received, res))
          .catch(() => res.destroy());
      }),
    );
    s.on("connection", (socket: Socket) => {
      own.add(socket);
      socket.on("close", () => own.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        s.off("error", reject);
        resolve();
      });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const kill = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    served: () => served,
    kill,
    restart: listen,
    close: kill,
  };
}

// ---- configuration --------------------------------------------------------------------------------

/**
 * A BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1) targeting the HTTPRoute that the
 * AIGatewayRoute `route` generates (same name), as the original's examples do.
 */
export function backendTrafficPolicyDoc(name: string, route: string, spec: Doc): Doc {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "BackendTrafficPolicy",
    metadata: { name, namespace: "default" },
    spec: {
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: route }],
      ...spec,
    },
  };
}

/**
 * The retry block of the original's provider_fallback example
 * (examples/provider_fallback/fallback.yaml), verbatim.
 */
export const PROVIDER_FALLBACK_RETRY: Doc = Object.freeze({
  numAttemptsPerPriority: 1,
  numRetries: 5,
  perRetry: { backOff: { baseInterval: "100ms", maxInterval: "10s" }, timeout: "30s" },
  retryOn: { httpStatusCodes: [500], triggers: ["connect-failure", "retriable-status-codes"] },
});

/** Resolves `promise`, or rejects when it takes longer than `ms` (what a test waits for at most). */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
