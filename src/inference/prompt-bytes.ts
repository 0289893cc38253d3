import type { ClientApi } from "../providers/translator.js";
import { findTopLevelValue } from "../util/find-top-level-value.js";

/**
 * The bytes of a request that prefix-cache affinity hashes: what a model server turns into the
 * prompt's leading tokens, taken from the raw body as the client sent it (no re-serialisation).
 * Chat: the JSON of `messages` (the reference picker hashes the same); completions: `prompt`;
 * embeddings and responses: `input`; Anthropic messages: `system` then `messages`, since the system
 * prompt is the shared prefix there. Undefined when there is nothing to hash (a multipart body).
 */
export function promptBytesOf(api: ClientApi, raw: Buffer): Buffer | undefined {
  switch (api) {
    case "openai-chat":
      return spanOf(raw, "messages");
    case "openai-completions":
      return spanOf(raw, "prompt");
    case "openai-embeddings":
    case "openai-responses":
      return spanOf(raw, "input");
    case "anthropic-messages": {
      const messages = spanOf(raw, "messages");
      const system = spanOf(raw, "system");
      if (!system || !messages) return system ?? messages;
      return Buffer.concat([system, messages]);
    }
    default:
      return undefined;
  }
}

function spanOf(raw: Buffer, key: string): Buffer | undefined {
  if (raw.length === 0 || raw[0] !== 0x7b) return undefined;
  const span = findTopLevelValue(raw, key);
  return span ? raw.subarray(span.start, span.end) : undefined;
}
