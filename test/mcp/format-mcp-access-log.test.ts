import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMcpAccessLog } from "../../src/mcp/format-mcp-access-log.js";
import { mcpRequestRecord } from "../support/mcp-request-record.js";

const START = Date.UTC(2026, 11, 3, 15, 4, 5, 678);

/** The fields every line has, in order (docs/mcp.md "Observability"). */
const FIELDS = [
  "start_time",
  "method",
  "response_code",
  "duration",
  "ai_gateway.route",
  "mcp_method",
  "mcp_request_id",
  "mcp_backend",
  "mcp_tool_name",
  "mcp_prompt_name",
  "mcp_resource_uri",
  "mcp_session_id",
  "mcp_protocol_version",
  "ai_gateway.consumer",
  "error",
];

test("a tools/call line: exactly the documented fields, upstream's MCP names, the session as its short hash", () => {
  const line = formatMcpAccessLog(mcpRequestRecord({ subject: "alice" }), START);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), FIELDS);
  assert.deepEqual(parsed, {
    start_time: "2026-12-03T15:04:05.678Z",
    method: "POST",
    response_code: 200,
    duration: 12,
    "ai_gateway.route": "default/mcp-route",
    mcp_method: "tools/call",
    mcp_request_id: "7",
    mcp_backend: "github",
    mcp_tool_name: "github__get_issue",
    mcp_prompt_name: null,
    mcp_resource_uri: null,
    mcp_session_id: "0123456789abcdef",
    mcp_protocol_version: "2025-06-18",
    "ai_gateway.consumer": "alice",
    error: null,
  });
});

test("a fan-out names the backends reached and those skipped; a JSON-RPC error its code", () => {
  const line = formatMcpAccessLog(
    mcpRequestRecord({
      method: "initialize",
      tool: undefined,
      backend: undefined,
      fanOut: { ok: ["a", "b"], failed: ["c"] },
      status: 200,
      errorCode: -32603,
      error: "backend_unreachable",
    }),
    START,
  );
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), [...FIELDS, "mcp_error_code", "mcp_backends", "mcp_backends_failed"]);
  assert.equal(parsed.mcp_error_code, -32603);
  assert.deepEqual(parsed.mcp_backends, ["a", "b"]);
  assert.deepEqual(parsed.mcp_backends_failed, ["c"]);
  assert.equal(parsed.error, "backend_unreachable");
  assert.equal(parsed.mcp_backend, null);
});

test("client-chosen names with quotes, controls and lone surrogates still make valid JSON, as given", () => {
  const tool = 'x__"quoted"\n\u0001\ud800';
  const uri = "b+file:///a\\b";
  const line = formatMcpAccessLog(
    mcpRequestRecord({
      tool,
      resourceUri: uri,
      prompt: "p__ünï",
      method: "resources/read",
      jsonRpcId: '"s"',
    }),
    START,
  );
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(parsed.mcp_tool_name, tool);
  assert.equal(parsed.mcp_resource_uri, uri);
  assert.equal(parsed.mcp_prompt_name, "p__ünï");
  assert.equal(parsed.mcp_request_id, '"s"');
});

test("a GET stream's line: no JSON-RPC method or id, its HTTP method and duration", () => {
  const parsed = JSON.parse(
    formatMcpAccessLog(
      mcpRequestRecord({
        httpMethod: "GET",
        method: undefined,
        jsonRpcId: undefined,
        tool: undefined,
        backend: undefined,
        durationMs: 61_000.6,
      }),
      START,
    ),
  ) as Record<string, unknown>;
  assert.equal(parsed.method, "GET");
  assert.equal(parsed.mcp_method, null);
  assert.equal(parsed.mcp_request_id, null);
  assert.equal(parsed.duration, 61001);
});
