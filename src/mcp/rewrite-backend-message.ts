import type { JsonRpcMessage } from "./json-rpc.js";
import type { McpNames } from "./mcp-names.js";
import { encodeServerRequestId } from "./server-request-ids.js";

/**
 * A message a backend sends the client outside a response (on a POST's stream or its GET stream),
 * as the client must see it: server-to-client requests get the backend encoded into their id, and
 * `resources/updated` the prefixed URI. `data` is the message's text; it is returned unchanged
 * (not re-serialised) when nothing needs rewriting.
 */
export function rewriteBackendMessage(
  names: McpNames,
  backend: string,
  message: JsonRpcMessage,
  data: string,
): string {
  if (message.method === undefined) return data;
  if (message.id !== undefined) {
    return JSON.stringify({ ...message, id: encodeServerRequestId(backend, message.id) });
  }
  if (message.method === "notifications/resources/updated" && typeof message.params?.uri === "string") {
    return JSON.stringify({
      ...message,
      params: { ...message.params, uri: names.prefixUri(backend, message.params.uri) },
    });
  }
  return data;
}
