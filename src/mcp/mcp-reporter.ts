import { formatMcpAccessLog } from "./format-mcp-access-log.js";
import type { McpRequestListener, McpRequestRecord } from "./mcp-request-record.js";

/** What an MCP request's record is reported to; each part is optional (access log off, no tracer ...). */
export interface McpReporterDeps {
  readonly accessLog?: (line: string) => void;
  readonly metrics?: { observeMcpRequest(record: McpRequestRecord): void };
  readonly tracer?: { recordMcp(record: McpRequestRecord): void };
  /** GatewayOptions.onMcpRequest (tests, embedders). */
  readonly listener?: McpRequestListener;
}

/**
 * The listener the MCP proxy reports every finished request to (GatewayContext.mcpReport): its
 * access log line, its metrics and its span, as inference requests have theirs.
 */
export function mcpReporter(deps: McpReporterDeps): McpRequestListener {
  const { accessLog, metrics, tracer, listener } = deps;
  return (record) => {
    listener?.(record);
    metrics?.observeMcpRequest(record);
    tracer?.recordMcp(record);
    accessLog?.(formatMcpAccessLog(record, Date.now() - record.durationMs));
  };
}
