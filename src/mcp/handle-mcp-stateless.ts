import { firstValue } from "../util/first-value.js";
import { handleMcpList, isListMethod } from "./handle-mcp-list.js";
import { handleMcpListen } from "./handle-mcp-listen.js";
import { handleMcpRouted } from "./handle-mcp-routed.js";
import {
  BACKEND_ERROR,
  HEADER_MISMATCH,
  INVALID_REQUEST,
  isNotification,
  isRequest,
  type JsonRpcId,
  type JsonRpcMessage,
  METHOD_NOT_FOUND,
  resultBody,
  UNSUPPORTED_PROTOCOL_VERSION,
} from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import { decodeHeaderValue } from "./mcp-header-value.js";
import type { McpSession } from "./mcp-session.js";
import { mergeCapabilities } from "./merge-capabilities.js";
import {
  isModernVersion,
  META_PROTOCOL_VERSION,
  MODERN_VERSIONS,
  SUPPORTED_VERSIONS,
} from "./protocol-versions.js";
import { statelessResultFields, UNCACHED } from "./stateless-result.js";
import { openStatelessUpstream, reopenStatelessUpstream } from "./stateless-upstreams.js";

/** The methods of 2026-07-28 the gateway serves; their Mcp-Name comes from this param (if any). */
const METHODS: Record<string, "name" | "uri" | undefined> = {
  "server/discover": undefined,
  "tools/list": undefined,
  "prompts/list": undefined,
  "resources/list": undefined,
  "resources/templates/list": undefined,
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "completion/complete": undefined,
  "subscriptions/listen": undefined,
};

/** Whether a POSTed message speaks the stateless revision: its `_meta` version, or a 2026-07-28 header. */
export function isStatelessRequest(ex: McpExchange, message: JsonRpcMessage): boolean {
  const meta = message.params?._meta as Record<string, unknown> | undefined;
  return meta?.[META_PROTOCOL_VERSION] !== undefined || isModernVersion(headerVersion(ex));
}

function headerVersion(ex: McpExchange): string | undefined {
  return firstValue(ex.req.headers["mcp-protocol-version"]);
}

/**
 * One request of a 2026-07-28 client: no handshake, no session. The version (header and `_meta`)
 * and the Mcp-Method / Mcp-Name headers are checked against the body; then the backends the
 * caller may use are reached as stateless-upstreams.ts keeps them, and the request is served as a
 * session's would be (lists merged, calls routed by prefix), its result carrying what the revision
 * requires (resultType; ttlMs / cacheScope on lists). server/discover is answered by the gateway;
 * subscriptions/listen is multiplexed over the backends (handle-mcp-listen.ts).
 */
export async function handleMcpStateless(ex: McpExchange, message: JsonRpcMessage): Promise<void> {
  const id = message.id;
  const meta = message.params?._meta as Record<string, unknown> | undefined;
  const header = headerVersion(ex);
  const requested = meta?.[META_PROTOCOL_VERSION] ?? header;
  ex.record.protocolVersion = typeof requested === "string" ? requested : undefined;
  if (typeof requested !== "string" || !MODERN_VERSIONS.includes(requested)) {
    const data = { supported: MODERN_VERSIONS, requested: requested ?? null };
    const text = `Unsupported protocol version: ${String(requested)}`;
    return ex.fail(400, id, UNSUPPORTED_PROTOCOL_VERSION, text, "unsupported_version", undefined, data);
  }
  if (header !== undefined && header !== requested) {
    return mismatch(ex, message, `MCP-Protocol-Version ${header} is not the body's ${requested}`);
  }
  if (!isRequest(message) && !isNotification(message)) {
    return ex.fail(400, id, INVALID_REQUEST, "a 2026-07-28 client sends no responses", "invalid_message");
  }
  const method = message.method!;
  if (firstValue(ex.req.headers["mcp-method"]) !== method) {
    return mismatch(ex, message, `Mcp-Method does not name the body's method ${method}`);
  }
  if (isNotification(message)) {
    // Nothing to pass on: without sessions no backend has anything a notification could refer to.
    return ex.accepted();
  }
  if (!Object.hasOwn(METHODS, method)) {
    return ex.fail(404, id, METHOD_NOT_FOUND, `Method not found: ${method}`, "method_not_found");
  }
  const nameParam = METHODS[method];
  if (nameParam !== undefined) {
    const sent = firstValue(ex.req.headers["mcp-name"]);
    if (sent === undefined || decodeHeaderValue(sent) !== message.params?.[nameParam]) {
      return mismatch(ex, message, `Mcp-Name does not name the body's params.${nameParam}`);
    }
  }
  if (method === "subscriptions/listen") return handleMcpListen(ex, message);
  const session = await statelessSession(ex, message.id!, requested);
  if (!session) return;
  if (method === "server/discover") return discover(ex, session, message);
  if (isListMethod(method)) return handleMcpList(ex, session, message);
  return handleMcpRouted(ex, session, message);
}

function mismatch(ex: McpExchange, message: JsonRpcMessage, text: string): void {
  ex.fail(400, message.id, HEADER_MISMATCH, `Header mismatch: ${text}`, "header_mismatch");
}

/**
 * The session this request is served as: every backend the caller may use that could be reached
 * (fail open, as initialize). None could: 502. Data kept for discover: the merged capabilities.
 */
async function statelessSession(
  ex: McpExchange,
  id: JsonRpcId,
  version: string,
): Promise<StatelessSession | undefined> {
  const { route, caller, req } = ex;
  const allowed = route.backends.filter((b) => route.access.backendAllowed(caller, b.name, req));
  const settled = await Promise.allSettled(allowed.map((b) => openStatelessUpstream(ex, b)));
  // A backend that could not be opened is skipped (stateless-upstreams.ts logged why, once).
  const opened = settled.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  if (allowed.length > 0 && opened.length === 0) {
    ex.fail(502, id, BACKEND_ERROR, "no MCP backend of this route could be reached", "backend_unreachable");
    return undefined;
  }
  ex.reopenBackend = async (backend) => (await reopenStatelessUpstream(ex, backend)).session;
  return {
    route: route.key,
    subject: caller.subject,
    version,
    backends: opened.map((o) => o.session),
    capabilities: mergeCapabilities(opened.map((o) => o.capabilities)),
    instructions: opened.flatMap((o) => (o.instructions ? [o.instructions] : [])),
  };
}

interface StatelessSession extends McpSession {
  readonly capabilities: Record<string, unknown>;
  readonly instructions: readonly string[];
}

/** server/discover: what every reachable backend offers, merged; the versions the gateway speaks. */
function discover(ex: McpExchange, session: StatelessSession, message: JsonRpcMessage): void {
  ex.record.fanOut = { ok: session.backends.map((b) => b.name), failed: [] };
  const result: Record<string, unknown> = {
    supportedVersions: [...MODERN_VERSIONS, ...SUPPORTED_VERSIONS],
    capabilities: session.capabilities,
    ...statelessResultFields(ex.ctx.version),
    ...UNCACHED,
  };
  if (session.instructions.length > 0) result.instructions = session.instructions.join("\n\n");
  ex.answer(200, resultBody(message.id!, result));
}
