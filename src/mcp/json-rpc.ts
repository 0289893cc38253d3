/** The JSON-RPC 2.0 shapes MCP exchanges, and the error codes the proxy answers with. */

export type JsonRpcId = string | number;

export interface JsonRpcMessage {
  jsonrpc?: "2.0";
  id?: JsonRpcId;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** Implementation-defined range (-32000..-32019): a backend could not be reached or answered garbage. */
export const BACKEND_ERROR = -32000;
/** 2026-07-28: the Mcp-Method / Mcp-Name headers (or the version header) disagree with the body. */
export const HEADER_MISMATCH = -32020;
/** 2026-07-28: the request's protocol version is not served; data names the supported ones. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export function isRequest(m: JsonRpcMessage): boolean {
  return typeof m.method === "string" && m.id !== undefined;
}

export function isNotification(m: JsonRpcMessage): boolean {
  return typeof m.method === "string" && m.id === undefined;
}

export function isResponse(m: JsonRpcMessage): boolean {
  return m.method === undefined && m.id !== undefined && (m.result !== undefined || m.error !== undefined);
}

/** Parses one JSON-RPC message; undefined when the text is not a JSON object with jsonrpc "2.0". */
export function parseMessage(text: string): JsonRpcMessage | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const m = value as JsonRpcMessage;
    if (m.jsonrpc !== "2.0") return undefined;
    if (m.id !== undefined && typeof m.id !== "string" && typeof m.id !== "number") return undefined;
    if (m.method !== undefined && typeof m.method !== "string") return undefined;
    // MCP passes params by name only.
    if (
      m.params !== undefined &&
      (typeof m.params !== "object" || m.params === null || Array.isArray(m.params))
    )
      return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/** A JSON-RPC error answer; `id` null when the request's id is unknown (unparsable). */
export function errorBody(id: JsonRpcId | undefined, code: number, message: string, data?: unknown): string {
  const error = data === undefined ? { code, message } : { code, message, data };
  return JSON.stringify({ jsonrpc: "2.0", id: id ?? null, error });
}

export function resultBody(id: JsonRpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, result });
}
