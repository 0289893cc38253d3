import type { BackendFailure } from "./backend-failure.js";
import { callBackendSession } from "./call-backend-session.js";
import type { CompiledMcpBackend } from "./compiled-mcp-route.js";
import { settleFanOut } from "./fan-out-to-backends.js";
import { type JsonRpcMessage, resultBody } from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import type { McpNames } from "./mcp-names.js";
import { type BackendSession, CAPABILITY, type McpSession } from "./mcp-session.js";
import { isModernVersion } from "./protocol-versions.js";
import { readBackendResponse } from "./read-backend-response.js";
import { statelessResultFields, UNCACHED } from "./stateless-result.js";

type Item = Record<string, unknown>;

/** Per list method: the capability a backend needs, the result's array, and how an item is exposed. */
const LISTS: Record<
  string,
  { cap: number; key: string; expose: (names: McpNames, backend: string, item: Item) => Item }
> = {
  "tools/list": { cap: CAPABILITY.tools, key: "tools", expose: named },
  "prompts/list": { cap: CAPABILITY.prompts, key: "prompts", expose: named },
  "resources/list": {
    cap: CAPABILITY.resources,
    key: "resources",
    expose: (n, b, item) => ({ ...named(n, b, item), uri: n.prefixUri(b, String(item.uri)) }),
  },
  "resources/templates/list": {
    cap: CAPABILITY.resources,
    key: "resourceTemplates",
    expose: (n, b, item) => ({ ...named(n, b, item), uriTemplate: n.prefixUri(b, String(item.uriTemplate)) }),
  },
};

export function isListMethod(method: string): boolean {
  return Object.hasOwn(LISTS, method);
}

function named(names: McpNames, backend: string, item: Item): Item {
  return { ...item, name: names.prefixName(backend, String(item.name)) };
}

/**
 * tools/list, prompts/list, resources/list, resources/templates/list: asked of every backend of the
 * session that offers the feature, in parallel; the answers merged in backend order with prefixed
 * names and URIs. Tools the selector hides or the caller may not call are left out. A backend
 * that fails is skipped and logged (partial results). Pagination is not merged: each backend's
 * first page is listed (upstream does the same).
 */
export async function handleMcpList(
  ex: McpExchange,
  session: McpSession,
  message: JsonRpcMessage,
): Promise<void> {
  const list = LISTS[message.method!]!;
  const { route, ctx } = ex;
  const targets = session.backends.filter(
    (s) => (s.caps & list.cap) !== 0 && route.backendsByName.has(s.name),
  );
  const { cursor: _cursor, ...params } = message.params ?? {};
  const body = JSON.stringify({ ...message, params });
  const settled = await Promise.allSettled(
    targets.map((s) => listOne(ex, route.backendsByName.get(s.name)!, s, body, message.id!, message.method!)),
  );
  const items: Item[] = [];
  const names = targets.map((t) => t.name);
  for (const { name, value } of settleFanOut(ex, names, settled, message.method!)) {
    const backend = route.backendsByName.get(name)!;
    for (const item of value[list.key] ?? []) {
      if (typeof item !== "object" || item === null || typeof item.name !== "string") continue;
      if (list.key === "tools" && !toolVisible(ex, backend, item.name)) continue;
      items.push(list.expose(route.names, name, item));
    }
  }
  const expired = settled.every(
    (o) => o.status === "rejected" && (o.reason as BackendFailure).status === 404,
  );
  if (targets.length > 0 && expired) {
    // Every backend ended its session (a DELETE, a restart): the client must initialize again.
    ex.fail(404, message.id, -32001, "Session not found (the backends ended it)", "invalid_session");
    return;
  }
  const result: Record<string, unknown> = { [list.key]: items };
  // 2026-07-28 lists say how long they may be cached: not at all, and only by this caller, since
  // what a merged list holds depends on the caller's authorization.
  if (isModernVersion(session.version)) Object.assign(result, statelessResultFields(ctx.version), UNCACHED);
  ex.answer(200, resultBody(message.id!, result));
}

function toolVisible(ex: McpExchange, backend: CompiledMcpBackend, tool: string): boolean {
  if (!backend.toolAllowed(tool)) return false;
  return ex.route.access.checkTool(ex.caller, { backend: backend.name, tool, req: ex.req }) === undefined;
}

async function listOne(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  session: BackendSession,
  body: string,
  id: string | number,
  method: string,
): Promise<Record<string, Item[] | undefined>> {
  const reply = await callBackendSession(ex, backend, session, body, method);
  const response = await readBackendResponse(backend.name, reply, id);
  if (response.error) throw new Error(`refused: ${response.error.message}`);
  return (response.result ?? {}) as Record<string, Item[] | undefined>;
}
