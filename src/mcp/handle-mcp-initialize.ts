import { BackendFailure } from "./backend-failure.js";
import { boundedSignal } from "./bounded-signal.js";
import { callMcpBackend } from "./call-mcp-backend.js";
import type { CompiledMcpBackend } from "./compiled-mcp-route.js";
import { settleFanOut } from "./fan-out-to-backends.js";
import { BACKEND_ERROR, type JsonRpcMessage, resultBody } from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import { type BackendSession, sealSession } from "./mcp-session.js";
import { capabilityBits, mergeCapabilities } from "./merge-capabilities.js";
import { negotiateVersion, SUPPORTED_VERSIONS } from "./protocol-versions.js";
import { readBackendResponse } from "./read-backend-response.js";

/** What one backend's initialize (or, stateless, its server/discover) told of it. */
export interface Initialized {
  readonly session: BackendSession;
  readonly capabilities: Record<string, unknown>;
  readonly instructions: string | undefined;
}

/**
 * initialize: sent in parallel to every backend the caller may use, with the client's own params
 * (capabilities included) and the version negotiated with the client. A backend that refuses,
 * fails, answers garbage or takes longer than the bound is skipped (fail open) and logged; the
 * others make the session. None left: an error. The client's Mcp-Session-Id seals what each
 * backend answered.
 */
export async function handleMcpInitialize(ex: McpExchange, message: JsonRpcMessage): Promise<void> {
  const { route, caller, req, ctx } = ex;
  const id = message.id!;
  const version = negotiateVersion(message.params?.protocolVersion);
  ex.record.protocolVersion = version;
  const body = JSON.stringify({ ...message, params: { ...message.params, protocolVersion: version } });
  const allowed = route.backends.filter((b) => route.access.backendAllowed(caller, b.name, req));
  const bounded = boundedSignal(ex.signal, ctx.initializeTimeoutMs);
  const settled = await Promise.allSettled(
    allowed.map((b) => initializeBackend(ex, b, body, id, bounded.signal)),
  );
  bounded.done();
  const names = allowed.map((b) => b.name);
  const ok = settleFanOut(ex, names, settled, "initialize").map((a) => a.value);
  if (ok.length === 0) {
    ex.fail(
      502,
      id,
      BACKEND_ERROR,
      "no MCP backend of this route could be initialized",
      "backend_unreachable",
    );
    return;
  }
  const instructions = ok.flatMap((o) => (o.instructions ? [o.instructions] : []));
  const result: Record<string, unknown> = {
    protocolVersion: version,
    capabilities: mergeCapabilities(ok.map((o) => o.capabilities)),
    serverInfo: { name: "aigw", version: ctx.version },
  };
  if (instructions.length > 0) result.instructions = instructions.join("\n\n");
  const sessionId = sealSession(ctx.sealer, {
    route: route.key,
    subject: caller.subject,
    version,
    backends: ok.map((o) => o.session),
  });
  ex.answer(200, resultBody(id, result), { "mcp-session-id": sessionId });
}

/**
 * One backend's initialize, under `signal` (a fan-out's one bound; by default its own bound);
 * throws BackendFailure when it refuses, fails or answers garbage.
 */
export async function initializeBackend(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  body: string,
  id: string | number,
  signal = AbortSignal.any([ex.signal, AbortSignal.timeout(ex.ctx.initializeTimeoutMs)]),
): Promise<Initialized> {
  let response: JsonRpcMessage;
  let sessionId: string | undefined;
  try {
    const reply = await callMcpBackend({
      backend,
      method: "POST",
      body,
      caller: ex.caller,
      clientHeaders: ex.req.headers,
      signal,
    });
    sessionId = reply.sessionId;
    response = await readBackendResponse(backend.name, reply, id);
  } catch (err) {
    if (err instanceof BackendFailure) throw err;
    throw new BackendFailure(backend.name, 0, (err as Error).message);
  }
  const result = response.result;
  const version = result?.protocolVersion;
  const capabilities = result?.capabilities;
  if (response.error) throw new BackendFailure(backend.name, 200, `refused: ${response.error.message}`);
  if (typeof version !== "string" || !SUPPORTED_VERSIONS.includes(version)) {
    throw new BackendFailure(
      backend.name,
      200,
      `answered an unsupported protocol version ${String(version)}`,
    );
  }
  if (typeof capabilities !== "object" || capabilities === null) {
    throw new BackendFailure(backend.name, 200, "answered no capabilities");
  }
  return initializedFrom(backend.name, sessionId, version, capabilities as Record<string, unknown>, result);
}

/** What a backend's initialize (or server/discover) answer gives a session. */
export function initializedFrom(
  name: string,
  sessionId: string | undefined,
  version: string,
  capabilities: Record<string, unknown>,
  result: Record<string, unknown> | undefined,
): Initialized {
  return {
    session: { name, sessionId, version, caps: capabilityBits(capabilities) },
    capabilities,
    instructions: typeof result?.instructions === "string" ? result.instructions : undefined,
  };
}
