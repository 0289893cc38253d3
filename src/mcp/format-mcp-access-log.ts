import { isoTimestamp } from "../util/iso-timestamp.js";
import { jsonString as str } from "../util/json-string.js";
import type { McpRequestRecord } from "./mcp-request-record.js";

/**
 * One JSON line per MCP request (a JSON-RPC message POSTed, a GET stream once it ends, a DELETE):
 * the fields upstream's aigw access log has for MCP (`mcp_method`, `mcp_request_id`, `mcp_backend`,
 * `mcp_session_id`, and its `mcp_tool_name` / `mcp_resource_uri` metadata) beside the common ones
 * (`start_time`, `method`, `response_code`, `duration`), always present (null when not known), then
 * the fan-out and the JSON-RPC error code when there are any. `mcp_session_id` is the record's short
 * hash of the session, never the session id itself; no token, key, argument or result is in the
 * record to be logged. Written as a template: this runs once per request.
 */
export function formatMcpAccessLog(record: McpRequestRecord, startEpochMs: number): string {
  let line =
    `{"start_time":"${isoTimestamp(startEpochMs)}","method":${str(record.httpMethod)}` +
    `,"response_code":${record.status},"duration":${Math.round(record.durationMs)}` +
    `,"ai_gateway.route":${str(record.route)},"mcp_method":${str(record.method)}` +
    `,"mcp_request_id":${str(record.jsonRpcId)},"mcp_backend":${str(record.backend)}` +
    `,"mcp_tool_name":${str(record.tool)},"mcp_prompt_name":${str(record.prompt)}` +
    `,"mcp_resource_uri":${str(record.resourceUri)},"mcp_session_id":${str(record.session)}` +
    `,"mcp_protocol_version":${str(record.protocolVersion)},"ai_gateway.consumer":${str(record.subject)}` +
    `,"error":${str(record.error)}`;
  if (Number.isInteger(record.errorCode)) line += `,"mcp_error_code":${record.errorCode}`;
  const fanOut = record.fanOut;
  if (fanOut !== undefined) {
    line += `,"mcp_backends":${JSON.stringify(fanOut.ok)},"mcp_backends_failed":${JSON.stringify(fanOut.failed)}`;
  }
  return `${line}}`;
}
