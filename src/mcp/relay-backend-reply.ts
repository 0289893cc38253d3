import type { BackendReply } from "./call-mcp-backend.js";
import { formatSseEvent, SSE_HEADERS } from "./format-sse-event.js";
import { BACKEND_ERROR, isResponse, type JsonRpcMessage, parseMessage } from "./json-rpc.js";
import type { McpExchange } from "./mcp-exchange.js";
import { readSseEvents } from "./read-sse-events.js";
import { rewriteBackendMessage } from "./rewrite-backend-message.js";

/**
 * Rewrites the backend's response for the client; undefined, or the same object returned: the
 * response passes as it came (its bytes, not re-serialised).
 */
export type ResponseRewrite = ((response: JsonRpcMessage) => JsonRpcMessage) | undefined;

/**
 * Answers the client with a single backend's reply to its request: a JSON reply as JSON (its bytes
 * unchanged unless `rewrite` is given), an SSE reply as SSE, event by event, with the messages
 * before the response (progress, logging, sampling and elicitation requests) passed on as they
 * come. An expired upstream session is the client's 404 (it re-initializes).
 */
export async function relayBackendReply(
  ex: McpExchange,
  backend: string,
  reply: BackendReply,
  id: string | number,
  rewrite: ResponseRewrite,
): Promise<void> {
  ex.record.backend = backend;
  if (reply.status === 404) {
    await reply.body.dump().catch(() => undefined);
    ex.fail(404, id, -32001, "Session not found (the backend ended it)", "invalid_session");
    return;
  }
  if (reply.status < 200 || reply.status > 299 || (reply.kind !== "json" && reply.kind !== "sse")) {
    await reply.body.dump().catch(() => undefined);
    ex.fail(502, id, BACKEND_ERROR, `MCP backend ${backend} answered HTTP ${reply.status}`, "backend_error");
    return;
  }
  if (reply.kind === "json") {
    const bytes = Buffer.from(await reply.body.arrayBuffer());
    const response = parseMessage(bytes.toString("utf8"));
    if (!response || !isResponse(response) || response.id !== id) {
      ex.fail(502, id, BACKEND_ERROR, `MCP backend ${backend} answered garbage`, "backend_error");
      return;
    }
    noteOutcome(ex, response);
    ex.answer(200, rewritten(response, rewrite) ?? bytes);
    return;
  }
  ex.res.writeHead(200, SSE_HEADERS);
  const answered = await readSseEvents(reply.body, (event) => {
    const message = parseMessage(event.data);
    if (!message) return false;
    if (isResponse(message) && message.id === id) {
      noteOutcome(ex, message);
      ex.res.end(formatSseEvent(rewritten(message, rewrite) ?? event.data));
      return true;
    }
    ex.res.write(formatSseEvent(rewriteBackendMessage(ex.route.names, backend, message, event.data)));
    return false;
  });
  if (answered) return;
  ex.record.error = "backend_stream_ended";
  ex.res.end();
}

/** The rewritten response's text; undefined when the rewrite leaves it as it was. */
function rewritten(response: JsonRpcMessage, rewrite: ResponseRewrite): string | undefined {
  const out = rewrite?.(response);
  return out === undefined || out === response ? undefined : JSON.stringify(out);
}

function noteOutcome(ex: McpExchange, response: JsonRpcMessage): void {
  if (response.error) {
    ex.record.errorCode = response.error.code;
    ex.record.error = "backend_error";
  } else if (response.result?.isError === true) ex.record.error = "tool_error";
}
