import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";

/**
 * Anthropic `system` and `messages` -> OpenAI chat `messages`:
 * - `system` (and, since API version 2026-10-21, messages with role "system") -> system messages;
 * - user text, images (base64 -> data URI, url -> URL) and PDFs (-> `file` parts) -> user content;
 * - `tool_result` blocks -> `tool` messages, placed before the rest of that user turn since OpenAI
 *   wants results right after the assistant message that called the tools; images in a result,
 *   which a tool message cannot hold, go into the user message that follows;
 * - assistant text and `tool_use` -> content and `tool_calls` (input as a JSON string).
 * Thinking blocks and server-tool blocks are Anthropic's own and are left out.
 */

type Block = Record<string, unknown> & { type?: unknown };
type ChatMessage = Record<string, unknown>;

export function convertAnthropicMessagesToOpenAI(system: unknown, messages: unknown): ChatMessage[] {
  if (!Array.isArray(messages)) throw new InvalidRequestError("messages must be an array");
  const out: ChatMessage[] = [];
  const systemText = textOf(system, "system");
  if (systemText !== undefined) out.push({ role: "system", content: systemText });
  for (const raw of messages) {
    if (typeof raw !== "object" || raw === null) throw new InvalidRequestError("invalid message");
    const msg = raw as { role?: unknown; content?: unknown };
    switch (msg.role) {
      case "system": {
        const text = textOf(msg.content, "system");
        if (text !== undefined) out.push({ role: "system", content: text });
        break;
      }
      case "user":
        appendUserTurn(out, msg.content);
        break;
      case "assistant":
        appendAssistantTurn(out, msg.content);
        break;
      default:
        throw new InvalidRequestError(`unsupported message role: ${displayValue(msg.role)}`);
    }
  }
  return out;
}

/** A string or text blocks as one string (blocks joined by blank lines); undefined when empty. */
function textOf(content: unknown, what: string): string | undefined {
  if (content === undefined || content === null) return undefined;
  if (typeof content === "string") return content === "" ? undefined : content;
  if (!Array.isArray(content))
    throw new InvalidRequestError(`${what} must be a string or an array of blocks`);
  const texts: string[] = [];
  for (const block of content as Block[]) {
    if (block?.type !== "text") throw new InvalidRequestError(`${what} may only hold text blocks`);
    texts.push(displayValue(block.text ?? ""));
  }
  return texts.length > 0 ? texts.join("\n\n") : undefined;
}

function appendUserTurn(out: ChatMessage[], content: unknown): void {
  if (typeof content === "string") {
    out.push({ role: "user", content });
    return;
  }
  if (!Array.isArray(content)) throw new InvalidRequestError("message content must be a string or an array");
  const parts: Record<string, unknown>[] = [];
  for (const block of content as Block[]) {
    if (block?.type === "tool_result") {
      out.push(convertToolResult(block, parts));
      continue;
    }
    parts.push(convertUserBlock(block));
  }
  if (parts.length === 0) return;
  const only = parts[0]!;
  out.push({ role: "user", content: parts.length === 1 && only.type === "text" ? only.text : parts });
}

function convertUserBlock(block: Block): Record<string, unknown> {
  switch (block?.type) {
    case "text":
      return { type: "text", text: displayValue(block.text ?? "") };
    case "image":
      return { type: "image_url", image_url: { url: imageUrl(block.source) } };
    case "document":
      return convertDocument(block);
    default:
      throw new InvalidRequestError(
        `content block type ${displayValue(block?.type)} is not supported by OpenAI backends`,
      );
  }
}

function imageUrl(source: unknown): string {
  const s = (source ?? {}) as { type?: unknown; media_type?: unknown; data?: unknown; url?: unknown };
  if (s.type === "base64") return `data:${displayValue(s.media_type)};base64,${displayValue(s.data)}`;
  if (s.type === "url" && typeof s.url === "string") return s.url;
  throw new InvalidRequestError(
    `image source type ${displayValue(s.type)} is not supported by OpenAI backends`,
  );
}

/** PDFs travel as OpenAI `file` parts; a plain-text document is simply text. */
function convertDocument(block: Block): Record<string, unknown> {
  const s = (block.source ?? {}) as { type?: unknown; media_type?: unknown; data?: unknown };
  if (s.type === "base64" && s.media_type === "application/pdf") {
    const filename = typeof block.title === "string" && block.title !== "" ? block.title : "document.pdf";
    return {
      type: "file",
      file: { filename, file_data: `data:application/pdf;base64,${displayValue(s.data)}` },
    };
  }
  if (s.type === "text") return { type: "text", text: displayValue(s.data ?? "") };
  throw new InvalidRequestError(
    `document source type ${displayValue(s.type)} is not supported by OpenAI backends`,
  );
}

/** A tool_result as a tool message; its images are added to `userParts`. */
function convertToolResult(block: Block, userParts: Record<string, unknown>[]): ChatMessage {
  if (typeof block.tool_use_id !== "string")
    throw new InvalidRequestError("tool_result.tool_use_id is required");
  let text: string;
  if (typeof block.content === "string") {
    text = block.content;
  } else if (Array.isArray(block.content)) {
    const texts: string[] = [];
    for (const part of block.content as Block[]) {
      if (part?.type === "text") texts.push(displayValue(part.text ?? ""));
      else userParts.push(convertUserBlock(part));
    }
    text = texts.join("\n\n");
  } else {
    text = "";
  }
  return { role: "tool", tool_call_id: block.tool_use_id, content: text };
}

function appendAssistantTurn(out: ChatMessage[], content: unknown): void {
  if (typeof content === "string") {
    out.push({ role: "assistant", content });
    return;
  }
  if (!Array.isArray(content)) throw new InvalidRequestError("message content must be a string or an array");
  const texts: string[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  for (const block of content as Block[]) {
    // Blocks of other types (thinking, server tools) are left out; a non-block is an error.
    if (typeof block !== "object" || block === null) throw new InvalidRequestError("invalid content block");
    if (block.type === "text") texts.push(displayValue(block.text ?? ""));
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  if (texts.length === 0 && toolCalls.length === 0) return;
  const message: ChatMessage = { role: "assistant", content: texts.length > 0 ? texts.join("") : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  out.push(message);
}
