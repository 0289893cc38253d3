/**
 * What the MCP proxy knows about one finished MCP HTTP request (one JSON-RPC message, a GET stream,
 * or a DELETE): the access log line, metrics and spans are made from it. Never a token or a key;
 * never tool arguments or results.
 */
export interface McpRequestRecord {
  /** "namespace/name" of the MCPRoute. */
  route: string;
  /** POST, GET, DELETE. */
  httpMethod: string;
  /** The JSON-RPC method (`tools/call`, `initialize`, `notifications/initialized` ...); undefined for GET/DELETE or unparsable bodies. */
  method: string | undefined;
  /** The JSON-RPC id as sent, stringified; undefined for notifications. */
  jsonRpcId: string | undefined;
  /** tools/call: the tool as the client named it (`backend__tool`). */
  tool: string | undefined;
  /** prompts/get: the prompt as the client named it. */
  prompt?: string;
  /** resources/read: the URI as the client named it (`backend+uri`). */
  resourceUri?: string;
  /** The backend the request was routed to (single-backend methods); undefined for fan-outs. */
  backend: string | undefined;
  /** Backends a fan-out (initialize, lists, DELETE) reached, and those that failed (skipped). */
  fanOut?: { readonly ok: readonly string[]; readonly failed: readonly string[] };
  /** A short, non-reversible id of the client's session (first 16 hex digits of its SHA-256). */
  session: string | undefined;
  /** The caller's subject when authenticated. */
  subject: string | undefined;
  /** The negotiated protocol version. */
  protocolVersion: string | undefined;
  /** HTTP status answered. */
  status: number;
  /** The JSON-RPC error code when the answer was an error (or the tool result had isError: error_type "tool_error"). */
  errorCode?: number;
  /** Short failure name ("backend_unreachable", "unauthorized", "forbidden", "invalid_session" ...). */
  error: string | undefined;
  /** Start to answer (for streams: to the end of the stream), ms. */
  durationMs: number;
  /** performance.now() at the start, for spans. */
  startedAt: number;
  /** The client's W3C trace context (`params._meta.traceparent`, else the header): the span's parent. */
  traceparent?: string;
}

export type McpRequestListener = (record: McpRequestRecord) => void;
