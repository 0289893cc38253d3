import { callMcpBackend } from "./call-mcp-backend.js";
import type { McpExchange } from "./mcp-exchange.js";
import type { BackendSession } from "./mcp-session.js";

/**
 * Sends one message (POST) or a DELETE to the given backends of the session in parallel, and
 * records which answered 2xx and which did not. Bodies are drained: nothing is read from them.
 */
export async function fanOutToBackends(
  ex: McpExchange,
  targets: readonly BackendSession[],
  method: "POST" | "DELETE",
  body?: string,
): Promise<void> {
  const settled = await Promise.allSettled(
    targets.map(async (s) => {
      const backend = ex.route.backendsByName.get(s.name);
      if (!backend) throw new Error("no longer in the route");
      const reply = await callMcpBackend({
        backend,
        method,
        ...(body === undefined ? {} : { body }),
        sessionId: s.sessionId,
        protocolVersion: s.version,
        caller: ex.caller,
        clientHeaders: ex.req.headers,
        signal: ex.signal,
      });
      await reply.body.dump().catch(() => undefined);
      // A backend without DELETE (405) has nothing to end.
      if (reply.status >= 300 && !(method === "DELETE" && reply.status === 405)) {
        throw new Error(`answered HTTP ${reply.status}`);
      }
    }),
  );
  const ok: string[] = [];
  const failed: string[] = [];
  settled.forEach((outcome, i) => {
    const name = targets[i]!.name;
    if (outcome.status === "fulfilled") ok.push(name);
    else {
      failed.push(name);
      ex.ctx.log(
        `aigw: MCP route ${ex.route.key}: ${ex.record.method ?? method} to ${name} failed: ${(outcome.reason as Error).message}`,
      );
    }
  });
  ex.record.fanOut = { ok, failed };
}
