import { InvalidRequestError } from "../../translator.js";

type Json = Record<string, unknown>;

export interface MovedSystem {
  /** The top-level system: the client's, then each moved message's text, in conversation order. */
  system: unknown;
  messages: unknown[];
  /** How many `role: "system"` messages were moved. */
  moved: number;
}

/**
 * Claude Code sends instructions as `role: "system"` messages inside `messages` (Anthropic's
 * mid-conversation-system beta). Bedrock and Vertex know no such role: each one's text joins the
 * top-level `system` after what is there, and the user or assistant turns it separated, now
 * adjacent, become one turn (Converse refuses two turns of one role in a row). Their position in the
 * conversation is what is lost. Messages without a system one are returned as they are.
 */
export function moveSystemMessages(system: unknown, messages: unknown): MovedSystem {
  if (!Array.isArray(messages) || !messages.some((m) => (m as Json | null)?.role === "system")) {
    return { system, messages: messages as unknown[], moved: 0 };
  }
  // A copy of the client's system array: the moved blocks are appended to it.
  const blocks: unknown[] = system === undefined || system === null ? [] : [...toBlocks(system, "system")];
  const out: Json[] = [];
  let moved = 0;
  for (const message of messages as Json[]) {
    if (message?.role === "system") {
      blocks.push(...toBlocks(message.content, "a system message's content"));
      moved++;
      continue;
    }
    const last = out[out.length - 1];
    if (last !== undefined && last.role === message?.role) {
      // A copy: the client's body is translated again on a retry and must stay as it came.
      out[out.length - 1] = {
        ...last,
        content: [
          ...toBlocks(last.content, "message content"),
          ...toBlocks(message.content, "message content"),
        ],
      };
    } else {
      out.push(message);
    }
  }
  return { system: blocks, messages: out, moved };
}

/** String content as one text block (none when empty); an array as it is. */
function toBlocks(content: unknown, what: string): unknown[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (Array.isArray(content)) return content;
  throw new InvalidRequestError(`${what} must be a string or an array of blocks`, 400);
}
