import type { McpRequestRecord } from "../../src/mcp/mcp-request-record.js";

/** A finished MCP tools/call as the proxy reports it; `overrides` change any field. */
export function mcpRequestRecord(overrides: Partial<McpRequestRecord> = {}): McpRequestRecord {
  return {
    route: "default/mcp-route",
    httpMethod: "POST",
    method: "tools/call",
    jsonRpcId: "7",
    tool: "github__get_issue",
    backend: "github",
    session: "0123456789abcdef",
    subject: undefined,
    protocolVersion: "2025-06-18",
    status: 200,
    error: undefined,
    durationMs: 12.4,
    startedAt: performance.now() - 12.4,
    ...overrides,
  };
}
