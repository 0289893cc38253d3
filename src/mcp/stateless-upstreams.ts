import { callMcpBackend } from "./call-mcp-backend.js";
import type { CompiledMcpBackend } from "./compiled-mcp-route.js";
import { type Initialized, initializeBackend, initializedFrom } from "./handle-mcp-initialize.js";
import type { McpExchange } from "./mcp-exchange.js";
import { LATEST_VERSION, META_PROTOCOL_VERSION, MODERN_VERSION } from "./protocol-versions.js";
import { readBackendResponse } from "./read-backend-response.js";

/**
 * How a stateless (2026-07-28) client's requests reach each backend. A client of that revision has
 * no session, so the gateway keeps, per process, per backend and per caller subject, what the
 * backend is: a backend that answers `server/discover` with 2026-07-28 is called statelessly; any
 * other gets one upstream session of the gateway's own (a synthetic initialize, then reused, never
 * sealed anywhere), re-opened when the backend forgets it (404). So a request costs one upstream
 * call, not an initialize per request. Keyed by the compiled backend: a reload starts afresh.
 */
const upstreams = new WeakMap<CompiledMcpBackend, Map<string, Entry>>();

interface Entry {
  readonly opened: Promise<Initialized>;
  /** Set when opening failed: until then the failure is answered without asking again. */
  failedUntil?: number;
}

/** A backend that failed to open is not asked again for this long (a down backend costs each request nothing). */
const RETRY_AFTER_MS = 5_000;
/** Callers remembered per backend; the oldest is forgotten first. */
const MAX_CALLERS = 10_000;
const PROBE_ID = "aigw-probe";

/** The backend as this caller reaches it statelessly: its capabilities, and the upstream session when it is legacy-only. */
export function openStatelessUpstream(ex: McpExchange, backend: CompiledMcpBackend): Promise<Initialized> {
  let byCaller = upstreams.get(backend);
  if (!byCaller) {
    byCaller = new Map();
    upstreams.set(backend, byCaller);
  }
  const key = ex.caller.subject ?? "";
  const entry = byCaller.get(key);
  if (entry && (entry.failedUntil === undefined || performance.now() < entry.failedUntil))
    return entry.opened;
  return open(ex, backend, byCaller, key);
}

/** After the backend answered 404 (it forgot the gateway's upstream session): a fresh one. */
export function reopenStatelessUpstream(ex: McpExchange, backend: CompiledMcpBackend): Promise<Initialized> {
  const byCaller = upstreams.get(backend) ?? new Map<string, Entry>();
  upstreams.set(backend, byCaller);
  return open(ex, backend, byCaller, ex.caller.subject ?? "");
}

function open(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  byCaller: Map<string, Entry>,
  key: string,
): Promise<Initialized> {
  const entry: Entry = { opened: discoverOrInitialize(ex, backend) };
  byCaller.delete(key);
  byCaller.set(key, entry);
  if (byCaller.size > MAX_CALLERS) byCaller.delete(byCaller.keys().next().value!);
  entry.opened.catch((err: Error) => {
    // A failure because this client went away says nothing about the backend.
    if (ex.signal.aborted) {
      byCaller.delete(key);
      return;
    }
    entry.failedUntil = performance.now() + RETRY_AFTER_MS;
    ex.ctx.log(
      `aigw: MCP route ${ex.route.key}: ${backend.name} skipped for 2026-07-28 clients for ${RETRY_AFTER_MS} ms: ${err.message}`,
    );
  });
  return entry.opened;
}

async function discoverOrInitialize(ex: McpExchange, backend: CompiledMcpBackend): Promise<Initialized> {
  return (await discover(ex, backend)) ?? openGatewaySession(ex, backend);
}

/**
 * A legacy backend: an upstream session of the gateway's own (initialize, then initialized). It
 * declares no client capabilities, because a stateless client cannot answer server-to-client
 * requests (sampling, elicitation). Also opened apart for each subscriptions/listen, which holds
 * the session's one GET stream.
 */
export async function openGatewaySession(ex: McpExchange, backend: CompiledMcpBackend): Promise<Initialized> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: PROBE_ID,
    method: "initialize",
    params: {
      protocolVersion: LATEST_VERSION,
      capabilities: {},
      clientInfo: { name: "aigw", version: ex.ctx.version },
    },
  });
  const initialized = await initializeBackend(ex, backend, body, PROBE_ID);
  const reply = await callMcpBackend({
    backend,
    method: "POST",
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    sessionId: initialized.session.sessionId,
    protocolVersion: initialized.session.version,
    caller: ex.caller,
    clientHeaders: ex.req.headers,
    signal: ex.signal,
  });
  await reply.body.dump().catch(() => undefined);
  return initialized;
}

/** server/discover: the backend's capabilities when it speaks 2026-07-28; undefined when it does not. */
async function discover(ex: McpExchange, backend: CompiledMcpBackend): Promise<Initialized | undefined> {
  const signal = AbortSignal.any([ex.signal, AbortSignal.timeout(ex.ctx.initializeTimeoutMs)]);
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: PROBE_ID,
    method: "server/discover",
    params: {
      _meta: {
        [META_PROTOCOL_VERSION]: MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": { name: "aigw", version: ex.ctx.version },
        "io.modelcontextprotocol/clientCapabilities": {},
      },
    },
  });
  const reply = await callMcpBackend({
    backend,
    method: "POST",
    body,
    protocolVersion: MODERN_VERSION,
    mcpMethod: "server/discover",
    caller: ex.caller,
    clientHeaders: ex.req.headers,
    signal,
  });
  // A legacy server refuses the probe (400, 404, 405 ...): it is reached the legacy way.
  const response = await readBackendResponse(backend.name, reply, PROBE_ID).catch(() => undefined);
  // readBackendResponse returns only the response to PROBE_ID.
  const result = response?.result;
  const versions = result?.supportedVersions;
  if (!Array.isArray(versions) || !versions.includes(MODERN_VERSION)) return undefined;
  const capabilities = (typeof result?.capabilities === "object" && result.capabilities) || {};
  return initializedFrom(
    backend.name,
    undefined,
    MODERN_VERSION,
    capabilities as Record<string, unknown>,
    result,
  );
}
