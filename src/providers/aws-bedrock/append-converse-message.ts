import type { ConverseContentBlock, ConverseMessage, ConverseRole } from "./converse-types.js";

/**
 * Adds blocks to the conversation. Converse wants user and assistant turns to alternate, so blocks of
 * a turn with the same role as the previous one join that turn: consecutive tool results become one
 * user message, and a user text that follows tool results rides in the same message after them.
 * Empty turns (e.g. an assistant message with neither content nor tool calls) are dropped, because
 * Converse rejects empty content.
 */
export function appendConverseMessage(
  messages: ConverseMessage[],
  role: ConverseRole,
  blocks: ConverseContentBlock[],
): void {
  if (blocks.length === 0) return;
  const last = messages[messages.length - 1];
  if (last !== undefined && last.role === role) {
    for (const block of blocks) last.content.push(block);
    return;
  }
  messages.push({ role, content: blocks });
}
