import type { SseEvent } from "../util/sse-reader.js";
import { BackendFailure } from "./backend-failure.js";
import type { BackendReply } from "./call-mcp-backend.js";
import { isResponse, type JsonRpcId, type JsonRpcMessage, parseMessage } from "./json-rpc.js";
import { readSseEvents } from "./read-sse-events.js";

/**
 * Reads a backend's answer to the request `id`: the JSON body, or the SSE stream up to the
 * response (other messages on the way go to `onOther`, undefined: dropped). Throws BackendFailure
 * for an HTTP error, a body that is not JSON-RPC, or a stream that ends without the response.
 */
export async function readBackendResponse(
  name: string,
  reply: BackendReply,
  id: JsonRpcId,
  onOther?: (message: JsonRpcMessage, event: SseEvent) => void,
): Promise<JsonRpcMessage> {
  if (reply.status < 200 || reply.status > 299) {
    await reply.body.dump().catch(() => undefined);
    throw new BackendFailure(name, reply.status, `answered HTTP ${reply.status}`);
  }
  if (reply.kind === "json") {
    const message = parseMessage(await reply.body.text());
    if (message && isResponse(message) && message.id === id) return message;
    throw new BackendFailure(name, reply.status, "answered something other than a JSON-RPC response");
  }
  if (reply.kind !== "sse") {
    await reply.body.dump().catch(() => undefined);
    throw new BackendFailure(name, reply.status, "answered an unexpected content type");
  }
  let response: JsonRpcMessage | undefined;
  await readSseEvents(reply.body, (event) => {
    const message = parseMessage(event.data);
    if (!message) return false;
    if (isResponse(message) && message.id === id) {
      response = message;
      return true;
    }
    onOther?.(message, event);
    return false;
  });
  if (response) return response;
  throw new BackendFailure(name, reply.status, "ended its stream without a response");
}
