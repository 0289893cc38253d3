import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { formatSseEvent, SSE_HEADERS } from "./format-sse-event.js";
import { StdioChild, type StdioChildOptions } from "./stdio-child.js";

/** What the bridge's child is started with: StdioChild's options but the callbacks, which the bridge sets. */
export type StdioBridgeOptions = Omit<StdioChildOptions, "onMessage" | "onRestart" | "onExit">;

/** A stdio server's command could not be started (no such file, not executable ...). */
export class StdioStartError extends Error {
  override readonly name = "StdioStartError";
}

type JsonRpcId = string | number;

interface JsonRpcMessage {
  readonly jsonrpc?: unknown;
  readonly id?: JsonRpcId | null;
  readonly method?: unknown;
  readonly params?: Record<string, unknown>;
  readonly result?: unknown;
  readonly error?: unknown;
}

/** Where the answer to one forwarded request goes, and the messages sent while it runs. */
interface Sink {
  /** A message related to the request, before its answer; false when it cannot be sent there. */
  send(message: unknown): boolean;
  /** The answer (the child's response with the caller's id restored). */
  finish(message: JsonRpcMessage): void;
}

interface Pending {
  /** The id the caller used; undefined for the bridge's own requests. */
  readonly callerId: JsonRpcId | undefined;
  readonly session: Session | undefined;
  readonly sink: Sink;
  /**
   * The caller's `params._meta.progressToken`: the child is sent the bridge's id in its place (the
   * sessions' tokens may collide), and its progress notifications get this one back.
   */
  readonly progressToken: unknown;
}

interface Session {
  readonly id: string;
  /** The session's GET stream, while the gateway holds it open. */
  stream: ServerResponse | undefined;
}

const SESSION_HEADER = "mcp-session-id";
/** A bigger JSON-RPC message from the gateway is refused (413). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const INTERNAL_ERROR = -32603;
const INVALID_REQUEST = -32600;
const PARSE_ERROR = -32700;

/**
 * A stdio MCP server as a Streamable HTTP MCP endpoint on 127.0.0.1 (its own small server), so the
 * gateway reaches it as any other backend. One child serves every gateway session, as upstream's
 * `aigw` bridge does with one client session: the child is initialised once (with the first
 * session's initialize params, replayed after a restart), later initializes are answered from that
 * result, and request ids are rewritten to the bridge's own so that answers find their caller
 * whatever ids the sessions chose. Server-to-client requests and request-scoped notifications go
 * out on the SSE answer of the request in flight (progress by its token); list_changed and
 * resources/updated notifications go to every session's GET stream.
 */
export class StdioBridge {
  private readonly child: StdioChild;
  private readonly server: Server;
  private readonly sessions = new Map<string, Session>();
  /** Requests sent to the child, by the bridge's id. */
  private readonly pending = new Map<number, Pending>();
  /** The child's own requests sent to a gateway session, by the id they were sent with. */
  private readonly childRequests = new Map<number, { readonly childId: JsonRpcId }>();
  private nextId = 1;
  private initializeParams: Record<string, unknown> | undefined;
  private initializeAnswer: JsonRpcMessage | undefined;
  private initializing: Promise<JsonRpcMessage> | undefined;
  /** Resolved when the child can take requests (after a restart: once it is initialised again). */
  private ready: Promise<void> = Promise.resolve();
  /** Resolves `ready` once the child runs again. */
  private restarted: (() => void) | undefined;
  private port = 0;

  private constructor(private readonly options: StdioBridgeOptions) {
    this.child = new StdioChild({
      ...options,
      onMessage: (m) => this.fromChild(m),
      onExit: () => this.childExited(),
      onRestart: () => this.childRestarted(),
    });
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** Starts the child and the endpoint; rejects when the command cannot be started. */
  static async start(options: StdioBridgeOptions): Promise<StdioBridge> {
    const bridge = new StdioBridge(options);
    try {
      await bridge.child.start();
    } catch (err) {
      await bridge.child.close();
      throw new StdioStartError(
        `mcpServers.${options.name}: cannot start ${options.command}: ${(err as Error).message}`,
      );
    }
    await new Promise<void>((resolve) => bridge.server.listen(0, "127.0.0.1", resolve));
    bridge.port = (bridge.server.address() as AddressInfo).port;
    return bridge;
  }

  /** The Streamable HTTP endpoint: `http://127.0.0.1:<port>/mcp`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  /** The child's process id (tests). */
  get childPid(): number | undefined {
    return this.child.pid;
  }

  /** GET streams the gateway holds open (diagnostics, tests). */
  get openStreams(): number {
    let open = 0;
    for (const session of this.sessions.values()) if (session.stream) open += 1;
    return open;
  }

  /** Stops the child and the endpoint; open streams end. */
  async close(): Promise<void> {
    for (const session of this.sessions.values()) session.stream?.end();
    this.sessions.clear();
    this.failPending("is shutting down");
    // Requests waiting for a restart go on, and find no child.
    this.restarted?.();
    await Promise.all([
      this.child.close(),
      new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      }),
    ]);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Only the gateway calls this endpoint; a browser page (which sends Origin) must not reach it.
    if (req.headers.origin !== undefined) {
      plain(res, 403, "Forbidden");
      return;
    }
    if (req.url?.split("?")[0] !== "/mcp") {
      plain(res, 404, "Not Found");
      return;
    }
    const sessionId = req.headers[SESSION_HEADER];
    const session = typeof sessionId === "string" ? this.sessions.get(sessionId) : undefined;
    if (req.method === "POST") {
      readBody(req).then(
        (body) => this.post(body, session, typeof sessionId === "string", req, res),
        () => plain(res, 413, "Payload Too Large"),
      );
      return;
    }
    if (sessionId === undefined) {
      plain(res, 400, "Bad Request: Mcp-Session-Id header is required");
      return;
    }
    if (!session) {
      plain(res, 404, "Session not found");
      return;
    }
    if (req.method === "GET") {
      this.openStream(session, req, res);
      return;
    }
    if (req.method === "DELETE") {
      session.stream?.end();
      this.sessions.delete(session.id);
      res.writeHead(200).end();
      return;
    }
    res.writeHead(405, { allow: "GET, POST, DELETE" }).end();
  }

  private post(
    body: Buffer,
    session: Session | undefined,
    hasSessionHeader: boolean,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(body.toString("utf8"));
    } catch {
      rpcError(res, 400, PARSE_ERROR, "Parse error");
      return;
    }
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      rpcError(res, 400, INVALID_REQUEST, "Invalid Request: one JSON-RPC message per POST");
      return;
    }
    const isRequest = typeof message.method === "string" && message.id !== undefined && message.id !== null;
    if (isRequest && message.method === "initialize") {
      void this.initialize(message, res);
      return;
    }
    if (!hasSessionHeader) {
      plain(res, 400, "Bad Request: Mcp-Session-Id header is required");
      return;
    }
    if (!session) {
      plain(res, 404, "Session not found");
      return;
    }
    if (isRequest) {
      const sink = new PostAnswer(res, acceptsSse(req));
      void this.forward(message, session, sink);
      return;
    }
    if (typeof message.method === "string") {
      this.notificationFromGateway(message, session);
      res.writeHead(202).end();
      return;
    }
    // The gateway's answer to a request of the child's.
    const sent = typeof message.id === "number" ? this.childRequests.get(message.id) : undefined;
    if (!sent) {
      plain(res, 400, "Bad Request: no such request");
      return;
    }
    this.childRequests.delete(message.id as number);
    this.child.send({ ...message, id: sent.childId });
    res.writeHead(202).end();
  }

  /** A new gateway session; the child itself is initialised by the first one only. */
  private async initialize(message: JsonRpcMessage, res: ServerResponse): Promise<void> {
    const answer = this.initializeAnswer ?? (await this.initializeChild(message.params ?? {}));
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (answer.result !== undefined) {
      const id = randomUUID();
      this.sessions.set(id, { id, stream: undefined });
      headers[SESSION_HEADER] = id;
    }
    res.writeHead(200, headers).end(JSON.stringify({ ...answer, id: message.id }));
  }

  private initializeChild(params: Record<string, unknown>): Promise<JsonRpcMessage> {
    this.initializing ??= this.request("initialize", params).then((answer) => {
      this.initializing = undefined;
      if (answer.result !== undefined) {
        this.initializeParams = params;
        this.initializeAnswer = answer;
        this.child.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      }
      return answer;
    });
    return this.initializing;
  }

  /** A request of the bridge's own; resolves with the child's answer (or an error when it dies). */
  private request(method: string, params: Record<string, unknown>): Promise<JsonRpcMessage> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const sink: Sink = { send: () => false, finish: resolve };
      this.pending.set(id, { callerId: undefined, session: undefined, sink, progressToken: undefined });
      if (!this.child.send({ jsonrpc: "2.0", id, method, params })) this.fail(id, "is not running");
    });
  }

  private async forward(message: JsonRpcMessage, session: Session, sink: Sink): Promise<void> {
    await this.ready;
    const id = this.nextId++;
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    const progressToken = meta?.progressToken;
    this.pending.set(id, { callerId: message.id ?? undefined, session, sink, progressToken });
    const out =
      progressToken === undefined
        ? { ...message, id }
        : { ...message, id, params: { ...message.params, _meta: { ...meta, progressToken: id } } };
    if (!this.child.send(out)) this.fail(id, "is not running");
  }

  private notificationFromGateway(message: JsonRpcMessage, session: Session): void {
    // The child was told once, by the bridge; a later session's copy would confuse it.
    if (message.method === "notifications/initialized") return;
    if (message.method === "notifications/cancelled") {
      const callerId = message.params?.requestId;
      for (const [id, p] of this.pending) {
        if (p.callerId === callerId && p.session === session) {
          this.child.send({ ...message, params: { ...message.params, requestId: id } });
          return;
        }
      }
      return;
    }
    this.child.send(message);
  }

  private openStream(session: Session, req: IncomingMessage, res: ServerResponse): void {
    if (!acceptsSse(req)) {
      plain(res, 406, "Not Acceptable: the stream is text/event-stream");
      return;
    }
    // A gateway that reconnects takes over the stream; the old one ends.
    session.stream?.end();
    session.stream = res;
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    res.on("close", () => {
      if (session.stream === res) session.stream = undefined;
    });
  }

  private fromChild(value: unknown): void {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    const message = value as JsonRpcMessage;
    const hasId = message.id !== undefined && message.id !== null;
    if (typeof message.method !== "string") {
      // An answer: to the request that has its id.
      const pending = typeof message.id === "number" ? this.pending.get(message.id) : undefined;
      if (!pending) return;
      this.pending.delete(message.id as number);
      pending.sink.finish({ ...message, id: pending.callerId ?? (message.id as number) });
      return;
    }
    if (hasId) {
      this.childRequest(message);
      return;
    }
    this.childNotification(message);
  }

  /** Sampling, elicitation, roots: to the request in flight, else a session's stream. */
  private childRequest(message: JsonRpcMessage): void {
    const id = this.nextId++;
    this.childRequests.set(id, { childId: message.id as JsonRpcId });
    const out = { ...message, id };
    if (this.lastCallerRequest()?.sink.send(out)) return;
    for (const session of this.sessions.values()) {
      if (session.stream) {
        writeEvent(session.stream, out);
        return;
      }
    }
    this.childRequests.delete(id);
    this.child.send({
      jsonrpc: "2.0",
      id: message.id,
      error: { code: INTERNAL_ERROR, message: "no client is connected to answer the request" },
    });
  }

  private childNotification(message: JsonRpcMessage): void {
    const method = message.method as string;
    if (method.endsWith("/list_changed") || method === "notifications/resources/updated") {
      for (const session of this.sessions.values()) if (session.stream) writeEvent(session.stream, message);
      return;
    }
    const token = message.params?.progressToken;
    const progressOf = typeof token === "number" ? this.pending.get(token) : undefined;
    if (progressOf?.session && progressOf.progressToken !== undefined) {
      const out = { ...message, params: { ...message.params, progressToken: progressOf.progressToken } };
      const stream = progressOf.session.stream;
      if (!progressOf.sink.send(out) && stream) writeEvent(stream, out);
      return;
    }
    // Logging and the like: the request in flight when it is the only one, else every stream.
    const callers = [...this.pending.values()].filter((p) => p.session !== undefined);
    if (callers.length === 1 && callers[0]!.sink.send(message)) return;
    for (const session of this.sessions.values()) if (session.stream) writeEvent(session.stream, message);
  }

  private lastCallerRequest(): Pending | undefined {
    let last: Pending | undefined;
    for (const p of this.pending.values()) if (p.session !== undefined) last = p;
    return last;
  }

  private childExited(): void {
    this.failPending("exited");
    this.childRequests.clear();
    let restarted!: () => void;
    // Requests wait for the restart (and the replayed initialize) rather than fail one by one.
    this.ready = new Promise((resolve) => {
      restarted = resolve;
    });
    this.restarted = restarted;
  }

  private childRestarted(): void {
    const done = this.restarted;
    this.restarted = undefined;
    const params = this.initializeParams;
    if (!params) {
      done?.();
      return;
    }
    this.request("initialize", params).then((answer) => {
      if (answer.result !== undefined) {
        this.initializeAnswer = answer;
        this.child.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      } else {
        this.options.log(`aigw: mcp ${this.options.name}: the restarted server refused initialize`);
      }
      done?.();
    });
  }

  private failPending(why: string): void {
    for (const id of [...this.pending.keys()]) this.fail(id, why);
  }

  private fail(id: number, why: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    const message = `the stdio MCP server ${this.options.name} ${why}`;
    pending.sink.finish({
      jsonrpc: "2.0",
      id: pending.callerId ?? id,
      error: { code: INTERNAL_ERROR, message },
    });
  }
}

/**
 * The answer to one POSTed request: plain JSON when the child answers before sending anything
 * else, an SSE stream (messages, then the answer) once something comes first.
 */
class PostAnswer implements Sink {
  private streaming = false;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly sse: boolean,
  ) {
    res.on("close", () => {
      this.done = true;
    });
  }

  send(message: unknown): boolean {
    // A client that takes only JSON cannot be sent anything before the answer.
    if (this.done || !this.sse) return false;
    if (!this.streaming) {
      this.streaming = true;
      this.res.writeHead(200, SSE_HEADERS);
    }
    writeEvent(this.res, message);
    return true;
  }

  finish(message: JsonRpcMessage): void {
    if (this.done) return;
    this.done = true;
    if (this.streaming) {
      writeEvent(this.res, message);
      this.res.end();
      return;
    }
    this.res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(message));
  }
}

function writeEvent(res: ServerResponse, message: unknown): void {
  res.write(formatSseEvent(JSON.stringify(message)));
}

function acceptsSse(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("text/event-stream");
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain" }).end(text);
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res
    .writeHead(status, { "content-type": "application/json" })
    .end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message } }));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Read to the end even when too large, so that the 413 can be answered on the connection.
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () =>
      size > MAX_BODY_BYTES ? reject(new Error("too large")) : resolve(Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}
