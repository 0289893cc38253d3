import { firstValue } from "../util/first-value.js";
import { SseReader } from "../util/sse-reader.js";
import { callMcpBackend } from "./call-mcp-backend.js";
import { formatSseEvent, SSE_HEADERS } from "./format-sse-event.js";
import { parseMessage } from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import type { BackendSession } from "./mcp-session.js";
import { rewriteBackendMessage } from "./rewrite-backend-message.js";

const EVENT_ID_PURPOSE = "event-id";

/**
 * GET: the session's notification stream. While the client holds it, the gateway holds each
 * backend's GET stream (a backend answering 405 or failing just sends nothing) and merges their
 * messages into it, server-to-client requests with the backend in their id. Each event's id is the
 * sealed map of every backend's last event id, so the client's Last-Event-ID resumes every upstream
 * stream where it stopped. A `:` comment every heartbeat keeps idle proxies from cutting it.
 */
export function handleMcpGet(ex: McpExchange): void {
  const session = ex.session(undefined);
  if (!session) return;
  const resume: ResumePoint = { ids: resumePoint(ex), sealed: undefined };
  ex.res.writeHead(200, SSE_HEADERS);
  ex.res.flushHeaders();
  ex.ctx.endOnDrain(ex.res);
  const heartbeat = setInterval(() => ex.res.write(": ping\n\n"), ex.ctx.heartbeatMs);
  heartbeat.unref();
  ex.res.once("close", () => clearInterval(heartbeat));
  // Filled as each backend answers its GET, so the record is complete when the client's stream ends.
  const fanOut = { ok: [] as string[], failed: [] as string[] };
  ex.record.fanOut = fanOut;
  for (const backendSession of session.backends) {
    void holdBackendStream(ex, backendSession, resume, fanOut).catch(() =>
      fanOut.failed.push(backendSession.name),
    );
  }
}

/**
 * Every backend's last event id, and their sealed form while none has changed: sealing (a JSON
 * text and an AES-GCM seal) happens when an event moves an id, not for every message relayed.
 */
interface ResumePoint {
  readonly ids: Record<string, string>;
  sealed: string | undefined;
}

/** Relays one backend's GET stream until it or the client's ends; a backend without one is noted as failed. */
async function holdBackendStream(
  ex: McpExchange,
  session: BackendSession,
  resume: ResumePoint,
  fanOut: { ok: string[]; failed: string[] },
): Promise<void> {
  const backend = ex.route.backendsByName.get(session.name);
  if (!backend) {
    fanOut.failed.push(session.name);
    return;
  }
  const reply = await callMcpBackend({
    backend,
    method: "GET",
    sessionId: session.sessionId,
    protocolVersion: session.version,
    lastEventId: resume.ids[session.name],
    caller: ex.caller,
    clientHeaders: ex.req.headers,
    signal: ex.signal,
  });
  if (reply.status !== 200 || reply.kind !== "sse") {
    fanOut.failed.push(session.name);
    await reply.body.dump().catch(() => undefined);
    return;
  }
  fanOut.ok.push(session.name);
  const reader = new SseReader();
  try {
    for await (const chunk of reply.body) {
      for (const event of reader.push(chunk as Buffer)) {
        if (event.id !== undefined) {
          resume.ids[session.name] = event.id;
          resume.sealed = undefined;
        }
        const message = parseMessage(event.data);
        if (!message) continue;
        if (resume.sealed === undefined && Object.keys(resume.ids).length > 0) {
          resume.sealed = sealEventId(ex, resume.ids);
        }
        const id = resume.sealed;
        ex.res.write(
          formatSseEvent(rewriteBackendMessage(ex.route.names, session.name, message, event.data), id),
        );
      }
    }
  } catch {
    // The client went away (the upstream request was aborted) or the backend cut its stream.
  }
}

function sealEventId(ex: McpExchange, lastIds: Record<string, string>): string {
  return ex.ctx.sealer.seal(EVENT_ID_PURPOSE, JSON.stringify(lastIds));
}

/** The backends' last event ids from the client's Last-Event-ID; empty when absent or not ours. */
function resumePoint(ex: McpExchange): Record<string, string> {
  const header = firstValue(ex.req.headers["last-event-id"]);
  const text = header ? ex.ctx.sealer.open(EVENT_ID_PURPOSE, header) : undefined;
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}
