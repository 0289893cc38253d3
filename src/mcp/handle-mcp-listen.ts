import { settleFanOut } from "./fan-out-to-backends.js";
import { formatSseEvent, SSE_HEADERS } from "./format-sse-event.js";
import {
  BACKEND_ERROR,
  INVALID_PARAMS,
  type JsonRpcId,
  type JsonRpcMessage,
  resultBody,
} from "./json-rpc.js";
import { openUpstreamListen } from "./listen-upstream.js";
import type { McpExchange } from "./mcp-exchange.js";
import type { McpNames } from "./mcp-names.js";
import { statelessResultFields } from "./stateless-result.js";
import {
  filterForBackend,
  isEmptyFilter,
  listenNotification,
  parseSubscriptionFilter,
  SUBSCRIPTION_ID_META,
  type SubscriptionFilter,
  unionOfHonoured,
} from "./subscription-filter.js";

/**
 * subscriptions/listen (2026-07-28), multiplexed over the backends the caller may use (as
 * agentgateway does): each backend is asked only for what concerns it (every list flag, the
 * resource URIs of its prefix without it) and the gateway waits for every acknowledgement (bounded;
 * a backend that fails or is slow is skipped). The client gets one ACK with the union of what was
 * honoured, then each backend's notifications that its honoured part lets through, tagged with the
 * listen's id. The client closing the stream closes every upstream stream (and DELETEs the legacy
 * sessions opened for it); a gateway drain answers the listen request (the spec's graceful end).
 */
export async function handleMcpListen(ex: McpExchange, message: JsonRpcMessage): Promise<void> {
  const id = message.id!;
  const filter = parseSubscriptionFilter(message.params?.notifications);
  if (!filter) {
    const text = "subscriptions/listen needs params.notifications, a subscription filter";
    return ex.fail(400, id, INVALID_PARAMS, text, "invalid_params");
  }
  const { route, caller, req } = ex;
  const owned = urisByBackend(route.names, filter.resourceSubscriptions ?? []);
  const asked = route.backends.flatMap((backend) => {
    if (!route.access.backendAllowed(caller, backend.name, req)) return [];
    const part = filterForBackend(filter, owned.get(backend.name) ?? []);
    return isEmptyFilter(part) ? [] : [{ backend, part }];
  });
  const settled = await Promise.allSettled(
    asked.map(({ backend, part }) => openUpstreamListen(ex, backend, part, message)),
  );
  const names = asked.map((a) => a.backend.name);
  const listens = settleFanOut(ex, names, settled, "subscriptions/listen").map((a) => a.value);
  // A backend that honours nothing of its part has nothing to send: its stream is not held.
  const holding = listens.filter((l) => !isEmptyFilter(l.honoured));
  for (const l of listens) if (isEmptyFilter(l.honoured)) void l.close();
  if (ex.signal.aborted) {
    for (const l of holding) void l.close();
    return;
  }
  if (asked.length > 0 && listens.length === 0) {
    const text = "no MCP backend of this route accepted the subscription";
    return ex.fail(502, id, BACKEND_ERROR, text, "backend_unreachable");
  }
  const prefixed = holding.map((l) => ({
    listen: l,
    prefixUri: (uri: string) => route.names.prefixUri(l.backend, uri),
  }));
  const honoured = unionOfHonoured(
    prefixed.map((p) => ({ honoured: p.listen.honoured, prefixUri: p.prefixUri })),
  );
  const res = ex.res;
  res.writeHead(200, SSE_HEADERS);
  res.write(acknowledgement(honoured, id));
  const graceful = formatSseEvent(resultBody(id, listenResult(ex, id)));
  if (holding.length === 0) {
    // Nothing honoured: nothing will ever be sent, so the listen is answered at once (as the SDK's server does).
    res.end(graceful);
    return;
  }
  ex.ctx.endOnDrain(res, graceful);
  const heartbeat = setInterval(() => res.write(": ping\n\n"), ex.ctx.heartbeatMs);
  heartbeat.unref();
  res.once("close", () => {
    clearInterval(heartbeat);
    for (const l of holding) void l.close();
  });
  await Promise.all(
    prefixed.map(async ({ listen, prefixUri }) => {
      for await (const upstream of listen.messages) {
        const data = listenNotification(upstream, listen.honoured, id, prefixUri);
        if (data !== undefined) res.write(formatSseEvent(data));
      }
    }),
  );
  // Every backend ended its stream: the client's ends too, without an answer (it may listen again).
  res.end();
}

/** The client's resource URIs by the backend their prefix names, without it; a URI of no backend is honoured by none. */
function urisByBackend(names: McpNames, uris: readonly string[]): Map<string, string[]> {
  const byBackend = new Map<string, string[]>();
  for (const uri of uris) {
    const split = names.splitUri(uri);
    if (!split) continue;
    const list = byBackend.get(split.backend);
    if (list) list.push(split.name);
    else byBackend.set(split.backend, [split.name]);
  }
  return byBackend;
}

function acknowledgement(honoured: SubscriptionFilter, id: JsonRpcId): string {
  const params = { notifications: honoured, _meta: { [SUBSCRIPTION_ID_META]: id } };
  return formatSseEvent(
    JSON.stringify({ jsonrpc: "2.0", method: "notifications/subscriptions/acknowledged", params }),
  );
}

/** The listen's answer: empty, tagged with its id and the gateway's serverInfo. */
function listenResult(ex: McpExchange, id: JsonRpcId): Record<string, unknown> {
  const fields = statelessResultFields(ex.ctx.version);
  return { ...fields, _meta: { ...(fields._meta as Record<string, unknown>), [SUBSCRIPTION_ID_META]: id } };
}
