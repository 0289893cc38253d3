import type { McpAccess } from "./mcp-access.js";
import { compileMcpCel } from "./mcp-cel.js";
import type { McpBackendSelectorSpec } from "./mcp-security-spec.js";

/**
 * `backendSelector`, compiled: asked once per backend of the route when a session is initialized.
 * Its rules are evaluated in order with `request.mcp.backend` the candidate (and, as upstream,
 * `request.mcp.method`, `tool` empty and `params` null: no MCP method is chosen yet); the first
 * whose CEL holds decides (Allow unless its action says Deny); none holding, `defaultAction`
 * (Deny unless set). A rule without CEL always holds. Without a backendSelector every backend is allowed.
 */
export function compileMcpBackendSelector(
  spec: McpBackendSelectorSpec | undefined,
  warn: (message: string) => void,
): McpAccess["backendAllowed"] {
  if (!spec) return () => true;
  const rules = (spec.rules ?? []).map((rule, i) => {
    const expression = rule.cel?.trim();
    return {
      cel: expression ? compileMcpCel(expression, `spec.backendSelector.rules[${i}].cel`, warn) : undefined,
      allow: rule.action !== "Deny",
    };
  });
  const allowByDefault = spec.defaultAction === "Allow";
  return (caller, backend, req) => {
    const target = { method: "", backend, tool: "", params: null };
    for (const rule of rules) if (!rule.cel || rule.cel(caller, req, target)) return rule.allow;
    return allowByDefault;
  };
}
