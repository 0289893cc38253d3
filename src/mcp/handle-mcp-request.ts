import type { IncomingMessage, ServerResponse } from "node:http";
import { firstValue } from "../util/first-value.js";
import type { CompiledMcpRoute } from "./compiled-mcp-route.js";
import { fanOutToBackends } from "./fan-out-to-backends.js";
import { handleMcpGet } from "./handle-mcp-get.js";
import { handleMcpPost } from "./handle-mcp-post.js";
import { INTERNAL_ERROR } from "./json-rpc.js";
import type { McpCaller, McpRefusal } from "./mcp-access.js";
import type { McpContext } from "./mcp-context.js";
import { McpExchange } from "./mcp-exchange.js";
import { isModernVersion } from "./protocol-versions.js";

/**
 * The MCP endpoint of one route (Streamable HTTP): checks the Origin, authenticates the caller
 * (the route's McpAccess), then POST (one JSON-RPC message), GET (the notification stream) or
 * DELETE (ends the session and every upstream session). Other methods: 405.
 */
export async function handleMcpRequest(
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledMcpRoute,
  ctx: McpContext,
  bodyLimit: number,
): Promise<void> {
  const ex = new McpExchange(req, res, route, ctx, performance.now());
  if (!originAllowed(req, route)) {
    req.resume();
    return ex.fail(403, undefined, -32000, "Forbidden: Origin not allowed", "forbidden_origin");
  }
  try {
    const authenticated = route.access.authenticate(req);
    const caller = authenticated instanceof Promise ? await authenticated : authenticated;
    if (isRefusal(caller)) {
      req.resume();
      const error = caller.status === 401 ? "unauthorized" : "forbidden";
      return ex.fail(caller.status, undefined, -32000, caller.message, error, { ...caller.headers });
    }
    ex.authenticated(caller);
    if (req.method === "POST") return await handleMcpPost(ex, bodyLimit);
    req.resume();
    if (isModernVersion(firstValue(req.headers["mcp-protocol-version"]))) {
      // 2026-07-28 has no GET stream and no session to DELETE.
      return ex.fail(405, undefined, -32000, "Method not allowed in 2026-07-28", "method_not_allowed", {
        allow: "POST",
      });
    }
    if (req.method === "GET") return handleMcpGet(ex);
    if (req.method === "DELETE") {
      const session = ex.session(undefined);
      if (!session) return;
      await fanOutToBackends(ex, session.backends, "DELETE");
      return ex.answer(200, "{}");
    }
    ex.fail(405, undefined, -32000, "Method not allowed", "method_not_allowed", {
      allow: "GET, POST, DELETE",
    });
  } catch (err) {
    ctx.log(`aigw: MCP route ${route.key}: internal error: ${(err as Error).stack ?? String(err)}`);
    if (res.headersSent) res.destroy();
    else ex.fail(500, undefined, INTERNAL_ERROR, "internal gateway error", "internal_error");
  }
}

function isRefusal(value: McpCaller | McpRefusal): value is McpRefusal {
  return typeof (value as McpRefusal).status === "number";
}

/**
 * The spec's DNS-rebinding defence. A request with an Origin (browsers send one) must come from a
 * page of the host it is sent to; and unless the route lists its hostnames, that host must be a
 * loopback name: a page of evil.example whose name has been re-pointed at 127.0.0.1 sends
 * `Host: evil.example` with a matching Origin, and must not reach a local gateway. Clients that are
 * not browsers send no Origin.
 */
function originAllowed(req: IncomingMessage, route: CompiledMcpRoute): boolean {
  const origin = firstValue(req.headers.origin);
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return url.host === req.headers.host && (route.namesHosts || LOOPBACK_NAMES.has(url.hostname));
  } catch {
    return false;
  }
}

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);
