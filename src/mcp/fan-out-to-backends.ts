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
  settleFanOut(
    ex,
    targets.map((t) => t.name),
    settled,
    `${ex.record.method ?? method} to`,
  );
}

/**
 * The outcomes of a fan-out, in the order of `names`: those that answered, with what they gave;
 * each failure logged (`<what> skipped <name>: <reason>`); both recorded as the request's fanOut.
 */
export function settleFanOut<T>(
  ex: McpExchange,
  names: readonly string[],
  settled: readonly PromiseSettledResult<T>[],
  what: string,
): { name: string; value: T }[] {
  const answered: { name: string; value: T }[] = [];
  const failed: string[] = [];
  settled.forEach((outcome, i) => {
    const name = names[i]!;
    if (outcome.status === "fulfilled") answered.push({ name, value: outcome.value });
    else {
      failed.push(name);
      const reason = (outcome.reason as Error).message;
      ex.ctx.log(`aigw: MCP route ${ex.route.key}: ${what} skipped ${name}: ${reason}`);
    }
  });
  ex.record.fanOut = { ok: answered.map((a) => a.name), failed };
  return answered;
}
