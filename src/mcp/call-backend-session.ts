import { type BackendReply, callMcpBackend } from "./call-mcp-backend.js";
import type { CompiledMcpBackend } from "./compiled-mcp-route.js";
import type { McpExchange } from "./mcp-exchange.js";
import type { BackendSession } from "./mcp-session.js";

/**
 * POSTs one message to a backend in the client's session (its upstream session id and version,
 * the Mcp-Method / Mcp-Name headers a stateless backend checks). When the gateway owns the upstream
 * session (a stateless client's, `ex.reopenBackend`) and the backend has forgotten it (404), a
 * fresh one is opened and the message sent once more; a client's own session ends instead (the
 * 404 reaches the client, which initializes again).
 */
export async function callBackendSession(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  session: BackendSession,
  body: string,
  mcpMethod: string,
  mcpName?: string,
): Promise<BackendReply> {
  const send = (s: BackendSession) =>
    callMcpBackend({
      backend,
      method: "POST",
      body,
      sessionId: s.sessionId,
      protocolVersion: s.version,
      mcpMethod,
      mcpName,
      caller: ex.caller,
      clientHeaders: ex.req.headers,
      signal: ex.signal,
    });
  const reply = await send(session);
  if (reply.status !== 404 || !ex.reopenBackend || session.sessionId === undefined) return reply;
  await reply.body.dump().catch(() => undefined);
  return send(await ex.reopenBackend(backend));
}
