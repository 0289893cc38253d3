import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { firstValue } from "../util/first-value.js";
import type { CompiledMcpBackend } from "./compiled-mcp-route.js";
import type { McpCaller } from "./mcp-access.js";
import { encodeHeaderValue } from "./mcp-header-value.js";
import { isModernVersion } from "./protocol-versions.js";

/** One HTTP request to a backend's MCP endpoint. */
export interface BackendRequest {
  readonly backend: CompiledMcpBackend;
  readonly method: "POST" | "GET" | "DELETE";
  /** The JSON-RPC message (POST). */
  readonly body?: string;
  /** The upstream's Mcp-Session-Id and negotiated version; none before initialize. */
  readonly sessionId?: string | undefined;
  readonly protocolVersion?: string | undefined;
  readonly lastEventId?: string | undefined;
  /**
   * The request's method and name (`params.name` / `params.uri`, the backend's own), sent as the
   * Mcp-Method / Mcp-Name headers when the backend speaks the stateless revision (it checks them
   * against the body).
   */
  readonly mcpMethod?: string | undefined;
  readonly mcpName?: string | undefined;
  readonly caller: McpCaller;
  /** The client's headers, read only for the backend's forwardHeaders. */
  readonly clientHeaders: IncomingHttpHeaders;
  readonly signal?: AbortSignal | undefined;
}

export interface BackendReply {
  readonly status: number;
  /** "json", "sse" or "other" (by Content-Type). */
  readonly kind: "json" | "sse" | "other";
  readonly sessionId: string | undefined;
  readonly body: Dispatcher.ResponseData["body"];
}

const POST_ACCEPT = "application/json, text/event-stream";

/**
 * Sends one request upstream over the backend's shared connection pool. The headers are built
 * from nothing: the client's own headers (its Authorization above all) never reach a backend; only
 * the backend's API key, its forwardHeaders, and the caller's claim headers do.
 */
export async function callMcpBackend(request: BackendRequest): Promise<BackendReply> {
  const { backend } = request;
  const headers: Record<string, string> = { host: backend.hostHeader };
  if (request.method === "POST") {
    headers.accept = POST_ACCEPT;
    headers["content-type"] = "application/json";
  } else if (request.method === "GET") headers.accept = "text/event-stream";
  if (request.sessionId !== undefined) headers["mcp-session-id"] = request.sessionId;
  if (request.protocolVersion !== undefined) headers["mcp-protocol-version"] = request.protocolVersion;
  if (request.lastEventId !== undefined) headers["last-event-id"] = request.lastEventId;
  if (isModernVersion(request.protocolVersion)) {
    if (request.mcpMethod !== undefined) headers["mcp-method"] = request.mcpMethod;
    if (request.mcpName !== undefined) headers["mcp-name"] = encodeHeaderValue(request.mcpName);
    // A tool's arguments mirrored as headers (x-mcp-header): the arguments pass unchanged, so do they.
    if (request.mcpMethod === "tools/call") {
      for (const [name, value] of Object.entries(request.clientHeaders)) {
        if (name.startsWith("mcp-param-") && typeof value === "string") headers[name] = value;
      }
    }
  }
  for (const { from, to } of backend.forwardHeaders) {
    const value = firstValue(request.clientHeaders[from]);
    if (value !== undefined) headers[to] = value;
  }
  // Claim headers overwrite any copy the client sent (forwarded above), the API key comes last.
  Object.assign(headers, request.caller.upstreamHeaders, backend.staticHeaders);
  const response = await backend.dispatcher.request({
    path: backend.path,
    method: request.method,
    headers,
    body: request.body ?? null,
    signal: request.signal ?? null,
  });
  const type = firstValue(response.headers["content-type"]) ?? "";
  return {
    status: response.statusCode,
    kind: type.startsWith("application/json")
      ? "json"
      : type.startsWith("text/event-stream")
        ? "sse"
        : "other",
    sessionId: firstValue(response.headers["mcp-session-id"]),
    body: response.body,
  };
}
