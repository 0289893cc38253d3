import assert from "node:assert/strict";
import type { Resource } from "../../src/config/resource.js";
import { ResourceIndex } from "../../src/config/resource-index.js";
import { compileMcpAccess } from "../../src/mcp/compile-mcp-access.js";
import type { McpAccess, McpCaller, McpRefusal } from "../../src/mcp/mcp-access.js";

/** An MCPRoute `default/tools` with two backends and the given access fields. */
export function mcpRoute(spec: Record<string, unknown>): Resource {
  return {
    apiVersion: "aigateway.envoyproxy.io/v1beta1",
    kind: "MCPRoute",
    metadata: { name: "tools", namespace: "default" },
    spec: {
      parentRefs: [{ name: "gw" }],
      backendRefs: [{ name: "github" }, { name: "kiwi" }],
      ...spec,
    },
    source: "test.yaml#0",
  };
}

/** The route's McpAccess, compiled with `others` (Secrets, ConfigMaps) in the index; warnings collected. */
export function compile(route: Resource, others: Resource[] = [], warnings: string[] = []): McpAccess {
  return compileMcpAccess(route, new ResourceIndex([route, ...others]), { warn: (m) => warnings.push(m) });
}

export function isRefusal(value: McpCaller | McpRefusal): value is McpRefusal {
  return "status" in value;
}

export function asCaller(value: McpCaller | McpRefusal): McpCaller {
  assert.ok(!isRefusal(value), `expected a caller, got ${JSON.stringify(value)}`);
  return value;
}

export function asRefusal(value: McpCaller | McpRefusal): McpRefusal {
  assert.ok(isRefusal(value), "expected a refusal");
  return value;
}
