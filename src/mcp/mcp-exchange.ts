import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { firstValue } from "../util/first-value.js";
import type { CompiledMcpBackend, CompiledMcpRoute } from "./compiled-mcp-route.js";
import { errorBody, type JsonRpcId } from "./json-rpc.js";
import { ANONYMOUS, type McpCaller } from "./mcp-access.js";
import type { McpContext } from "./mcp-context.js";
import type { McpRequestRecord } from "./mcp-request-record.js";
import { type BackendSession, type McpSession, openSession } from "./mcp-session.js";

/**
 * One MCP HTTP request being answered: the client's request and response, the route and caller,
 * and the record reported when the response closes (for streams, when they end).
 */
export class McpExchange {
  readonly record: McpRequestRecord;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly route: CompiledMcpRoute,
    readonly ctx: McpContext,
    startedAt: number,
  ) {
    this.record = {
      route: route.key,
      httpMethod: req.method ?? "",
      method: undefined,
      jsonRpcId: undefined,
      tool: undefined,
      backend: undefined,
      session: undefined,
      subject: undefined,
      protocolVersion: undefined,
      status: 0,
      error: undefined,
      durationMs: 0,
      startedAt,
    };
    res.once("close", () => {
      const r = this.record;
      r.status = res.headersSent ? res.statusCode : 499;
      // A notification stream ends when the client closes it: no error.
      if (!res.writableFinished && r.error === undefined && !this.isNotificationStream) {
        r.error = "client_closed";
      }
      r.durationMs = performance.now() - startedAt;
      ctx.report(r);
    });
  }

  /** Who is asking: anonymous until the route's access has authenticated the request. */
  caller: McpCaller = ANONYMOUS;

  authenticated(caller: McpCaller): void {
    this.caller = caller;
    this.record.subject = caller.subject;
  }

  /** A whole JSON answer (a JSON-RPC response, or an error body). */
  answer(status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (this.res.headersSent || this.res.destroyed) return;
    headers["content-type"] = "application/json";
    headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.length);
    this.res.writeHead(status, headers);
    this.res.end(body);
  }

  /** A JSON-RPC error answer; `error` names the failure in the record. */
  fail(
    status: number,
    id: JsonRpcId | undefined,
    code: number,
    message: string,
    error: string,
    headers?: Record<string, string>,
    data?: unknown,
  ): void {
    this.record.errorCode = code;
    this.record.error = error;
    this.answer(status, errorBody(id, code, message, data), headers);
  }

  /** 202 Accepted for a notification or a response. */
  accepted(): void {
    if (this.res.headersSent || this.res.destroyed) return;
    this.res.writeHead(202, { "content-length": "0" });
    this.res.end();
  }

  /**
   * The client's session, opened from its Mcp-Session-Id; answers and returns undefined when it is
   * missing (400), or forged, altered, of another route or another caller (404: to the client it
   * does not exist, so it re-initializes, and a stranger learns nothing about whose it is).
   */
  session(id: JsonRpcId | undefined): McpSession | undefined {
    const header = firstValue(this.req.headers["mcp-session-id"]);
    if (!header) {
      this.fail(400, id, -32000, "Bad Request: Mcp-Session-Id header is required", "missing_session");
      return undefined;
    }
    this.record.session = createHash("sha256").update(header).digest("hex").slice(0, 16);
    const session = openSession(this.ctx.sealer, header);
    if (!session || session.route !== this.route.key || session.subject !== this.caller.subject) {
      this.fail(404, id, -32001, "Session not found", "invalid_session");
      return undefined;
    }
    this.record.protocolVersion = session.version;
    return session;
  }

  /**
   * Set for a stateless (2026-07-28) client, whose upstream sessions are the gateway's own: opens
   * a fresh one with a backend that has forgotten its session (callBackendSession retries on it).
   */
  reopenBackend: ((backend: CompiledMcpBackend) => Promise<BackendSession>) | undefined;

  /** Aborted when the client goes away, so upstream requests made for it stop too. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      this.res.once("close", () => {
        // A finished answer leaves nothing upstream to stop, and an abort builds an error object
        // per request; a notification stream the gateway ended (a drain) still closes its upstreams.
        if (!this.res.writableFinished || this.isNotificationStream) controller.abort();
      });
    }
    return this.controller.signal;
  }
  private controller: AbortController | undefined;

  /** A GET or subscriptions/listen stream: it carries notifications, not one answer. */
  private get isNotificationStream(): boolean {
    const r = this.record;
    return r.httpMethod === "GET" || r.method === "subscriptions/listen";
  }
}
