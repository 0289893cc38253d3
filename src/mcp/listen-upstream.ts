import { SseReader } from "../util/sse-reader.js";
import { type BackendReply, callMcpBackend } from "./call-mcp-backend.js";
import type { CompiledMcpBackend } from "./compiled-mcp-route.js";
import { type JsonRpcMessage, parseMessage } from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import type { BackendSession } from "./mcp-session.js";
import { MODERN_VERSION } from "./protocol-versions.js";
import { readBackendResponse } from "./read-backend-response.js";
import { openGatewaySession, openStatelessUpstream } from "./stateless-upstreams.js";
import { featureFlag, legacyHonoured, narrowAck, type SubscriptionFilter } from "./subscription-filter.js";

/** How long a backend has to acknowledge its listen (or, legacy, to open its GET stream and subscribe); a slower one is skipped. */
const LISTEN_ACK_TIMEOUT_MS = 5_000;

const ACKNOWLEDGED = "notifications/subscriptions/acknowledged";

/** One backend's part of a client's subscriptions/listen, acknowledged. */
export interface UpstreamListen {
  readonly backend: string;
  /** What the backend honours of its part, URIs as the backend names them. */
  readonly honoured: SubscriptionFilter;
  /** The messages of its stream, until it ends (or the client's listen does: its signal aborts it). */
  readonly messages: AsyncIterable<JsonRpcMessage>;
  /** Ends what the gateway opened for it (a legacy backend's upstream session: DELETE). */
  close(): Promise<void>;
}

/**
 * Opens one backend's part of a listen, as the backend speaks: a stateless backend gets the listen
 * itself, a legacy one an upstream session of this listen's own (the caller's cached one may
 * already hold its one GET stream) with its GET stream and resources/subscribe. Its upstream
 * requests stop when the client's listen ends, or when the acknowledgement takes too long.
 */
export async function openUpstreamListen(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  part: SubscriptionFilter,
  listen: JsonRpcMessage,
): Promise<UpstreamListen> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  ex.signal.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(stop, LISTEN_ACK_TIMEOUT_MS);
  try {
    const known = await openStatelessUpstream(ex, backend);
    return known.session.sessionId === undefined
      ? await listenStateless(ex, backend, part, listen, controller.signal)
      : await listenLegacy(ex, backend, part, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function listenStateless(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  part: SubscriptionFilter,
  listen: JsonRpcMessage,
  signal: AbortSignal,
): Promise<UpstreamListen> {
  // The client's own `_meta` (version, clientInfo, capabilities) and id: the backend tags with it.
  const meta = listen.params?._meta;
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: listen.id,
    method: "subscriptions/listen",
    params: { notifications: part, ...(meta === undefined ? {} : { _meta: meta }) },
  });
  const reply = await callMcpBackend({
    backend,
    method: "POST",
    body,
    protocolVersion: MODERN_VERSION,
    mcpMethod: "subscriptions/listen",
    caller: ex.caller,
    clientHeaders: ex.req.headers,
    signal,
  });
  const messages = sseMessages(await sseBody(reply));
  const first = await messages.next();
  const honoured =
    first.done || first.value.method !== ACKNOWLEDGED
      ? undefined
      : narrowAck(part, first.value.params?.notifications);
  if (!honoured) {
    await messages.return(undefined);
    throw new Error("did not acknowledge the listen");
  }
  return {
    backend: backend.name,
    honoured,
    messages,
    close: async () => {
      await messages.return(undefined);
    },
  };
}

async function listenLegacy(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  part: SubscriptionFilter,
  signal: AbortSignal,
): Promise<UpstreamListen> {
  const opened = await openGatewaySession(ex, backend);
  const session = opened.session;
  const close = () => deleteSession(ex, backend, session);
  try {
    const stream = await sseBody(
      await callMcpBackend({
        backend,
        method: "GET",
        sessionId: session.sessionId,
        protocolVersion: session.version,
        caller: ex.caller,
        clientHeaders: ex.req.headers,
        signal,
      }),
    );
    // Subscribed once the GET stream is open, so no update sent in between is lost.
    const uris = part.resourceSubscriptions ?? [];
    const subscribed = featureFlag(opened.capabilities, "resources", "subscribe")
      ? await subscribeAll(ex, backend, session, uris, signal)
      : [];
    return {
      backend: backend.name,
      honoured: legacyHonoured(part, opened.capabilities, subscribed),
      messages: sseMessages(stream),
      // The stream is cut here too: a listen that honours nothing never reads it.
      close: () => {
        stream.destroy();
        return close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** resources/subscribe for each URI, in parallel; the URIs the backend accepted. */
async function subscribeAll(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  session: BackendSession,
  uris: readonly string[],
  signal: AbortSignal,
): Promise<string[]> {
  const accepted = await Promise.all(
    uris.map(async (uri, i) => {
      const id = `aigw-subscribe-${i}`;
      const reply = await callMcpBackend({
        backend,
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "resources/subscribe", params: { uri } }),
        sessionId: session.sessionId,
        protocolVersion: session.version,
        caller: ex.caller,
        clientHeaders: ex.req.headers,
        signal,
      });
      const response = await readBackendResponse(backend.name, reply, id).catch(() => undefined);
      return response?.result !== undefined;
    }),
  );
  return uris.filter((_, i) => accepted[i]);
}

/** Ends the listen's own upstream session. Not bound to the client (it is gone by now), only by time. */
async function deleteSession(
  ex: McpExchange,
  backend: CompiledMcpBackend,
  session: BackendSession,
): Promise<void> {
  try {
    const reply = await callMcpBackend({
      backend,
      method: "DELETE",
      sessionId: session.sessionId,
      protocolVersion: session.version,
      caller: ex.caller,
      clientHeaders: ex.req.headers,
      signal: AbortSignal.timeout(ex.ctx.initializeTimeoutMs),
    });
    await reply.body.dump().catch(() => undefined);
  } catch (err) {
    ex.ctx.log(
      `aigw: MCP route ${ex.route.key}: ending the listen session of ${backend.name} failed: ${(err as Error).message}`,
    );
  }
}

/** The body of a 200 SSE answer; anything else is a failure (its body drained). */
async function sseBody(reply: BackendReply): Promise<BackendReply["body"]> {
  if (reply.status === 200 && reply.kind === "sse") return reply.body;
  await reply.body.dump().catch(() => undefined);
  throw new Error(`answered HTTP ${reply.status} (${reply.kind})`);
}

/** The JSON-RPC messages of an SSE stream; ends with the stream (or quietly when it is cut). */
async function* sseMessages(body: BackendReply["body"]): AsyncGenerator<JsonRpcMessage> {
  const reader = new SseReader();
  try {
    for await (const chunk of body) {
      for (const event of reader.push(chunk as Buffer)) {
        const message = parseMessage(event.data);
        if (message) yield message;
      }
    }
  } catch {
    // The listen ended (the upstream request was aborted) or the backend cut its stream.
  } finally {
    body.destroy();
  }
}
