import assert from "node:assert/strict";
import { test } from "node:test";
import { mcpReporter } from "../../src/mcp/mcp-reporter.js";
import type { McpRequestRecord } from "../../src/mcp/mcp-request-record.js";
import { mcpRequestRecord } from "../support/mcp-request-record.js";

test("one report reaches the listener, the metrics, the tracer and the access log once each", () => {
  const seen: string[] = [];
  const lines: string[] = [];
  const report = mcpReporter({
    accessLog: (line) => lines.push(line),
    metrics: { observeMcpRequest: (r: McpRequestRecord) => seen.push(`metrics ${r.method}`) },
    tracer: { recordMcp: (r: McpRequestRecord) => seen.push(`span ${r.method}`) },
    listener: (r) => seen.push(`listener ${r.method}`),
  });
  report(mcpRequestRecord());
  assert.deepEqual(seen, ["listener tools/call", "metrics tools/call", "span tools/call"]);
  assert.equal(lines.length, 1);
  assert.equal((JSON.parse(lines[0]!) as { mcp_tool_name: string }).mcp_tool_name, "github__get_issue");
});

test("with the access log off, no metrics and no tracer, a report costs nothing and throws nothing", () => {
  const report = mcpReporter({});
  assert.doesNotThrow(() => report(mcpRequestRecord()));
});
