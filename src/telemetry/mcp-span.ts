import type { Attributes } from "@opentelemetry/api";
import type { McpRequestRecord } from "../mcp/mcp-request-record.js";

/** Upstream's span names (internal/tracing/mcp.go, after the Go SDK's): any other method is its own name. */
const SPAN_NAMES: Readonly<Record<string, string>> = {
  initialize: "Initialize",
  "tools/list": "ListTools",
  "tools/call": "CallTool",
  "prompts/list": "ListPrompts",
  "prompts/get": "GetPrompt",
  "resources/list": "ListResources",
  "resources/read": "ReadResource",
  "resources/subscribe": "Subscribe",
  "resources/unsubscribe": "Unsubscribe",
  "resources/templates/list": "ListResourceTemplates",
  "logging/setLevel": "SetLoggingLevel",
  "completion/complete": "Complete",
  ping: "Ping",
};

export function mcpSpanName(method: string): string {
  return SPAN_NAMES[method] ?? method;
}

/** Upstream's span attributes, from what the record holds, and the gateway's own (`aigw.route`). */
export function mcpSpanAttributes(record: McpRequestRecord, method: string): Attributes {
  const attributes: Attributes = {
    "mcp.transport": "http",
    "mcp.method.name": method,
    "aigw.route": record.route,
    "http.response.status_code": record.status,
  };
  if (record.protocolVersion !== undefined) attributes["mcp.protocol.version"] = record.protocolVersion;
  if (record.jsonRpcId !== undefined) attributes["mcp.request.id"] = record.jsonRpcId;
  if (record.tool !== undefined) attributes["mcp.tool.name"] = record.tool;
  if (record.prompt !== undefined) attributes["mcp.prompt.name"] = record.prompt;
  if (record.resourceUri !== undefined) attributes["mcp.resource.uri"] = record.resourceUri;
  if (record.session !== undefined) attributes["mcp.session.id"] = record.session;
  if (record.subject !== undefined) attributes["aigw.consumer"] = record.subject;
  return attributes;
}

/** The backends the request went to: upstream's "route to backend" events, one each. */
export function mcpBackendsOf(record: McpRequestRecord): readonly string[] {
  if (record.backend !== undefined) return [record.backend];
  return record.fanOut?.ok ?? [];
}
