import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import { appendConverseMessage } from "./append-converse-message.js";
import { CACHE_POINT, wantsCachePoint } from "./cache-point.js";
import { converseImageFormat } from "./converse-image-format.js";
import type {
  ConverseContentBlock,
  ConverseImage,
  ConverseSystemBlock,
  ConverseToolResultBlock,
} from "./converse-types.js";
import type { ConverseConversation } from "./convert-openai-messages-to-converse.js";

type Json = Record<string, unknown>;

/** Conversion state: the conversation built so far and how many untitled documents were named. */
interface State extends ConverseConversation {
  documents: number;
}

/**
 * Anthropic Messages `system` and `messages` as a Converse conversation. Messages with role
 * "system" (sent by some clients mid-conversation) join the system prompt after the top-level one.
 */
export function convertAnthropicMessagesToConverse(system: unknown, input: unknown): ConverseConversation {
  if (!Array.isArray(input)) throw new InvalidRequestError("messages must be an array");
  const conversation: State = { system: [], messages: [], hasToolBlocks: false, documents: 0 };
  if (system !== undefined && system !== null) appendSystem(conversation.system, system);
  for (const item of input as Json[]) {
    switch (item?.role) {
      case "system":
        appendSystem(conversation.system, item.content);
        break;
      case "user":
      case "assistant": {
        const blocks = convertContent(item.content, item.role, conversation);
        appendConverseMessage(conversation.messages, item.role, blocks);
        break;
      }
      default:
        throw new InvalidRequestError(`unsupported message role "${displayValue(item?.role)}"`);
    }
  }
  return {
    system: conversation.system,
    messages: conversation.messages,
    hasToolBlocks: conversation.hasToolBlocks,
  };
}

function appendSystem(system: ConverseSystemBlock[], content: unknown): void {
  if (typeof content === "string") {
    if (content !== "") system.push({ text: content });
    return;
  }
  if (!Array.isArray(content))
    throw new InvalidRequestError("system must be a string or an array of text blocks");
  for (const block of content as Json[]) {
    if (block?.type !== "text" || typeof block.text !== "string") {
      throw new InvalidRequestError("system blocks must be text blocks");
    }
    system.push({ text: block.text });
    if (wantsCachePoint(block)) system.push(CACHE_POINT);
  }
}

function convertContent(
  content: unknown,
  role: "user" | "assistant",
  conversation: State,
): ConverseContentBlock[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw new InvalidRequestError("message content must be a string or an array");
  const blocks: ConverseContentBlock[] = [];
  for (const block of content as Json[]) {
    blocks.push(
      role === "user" ? convertUserBlock(block, conversation) : convertAssistantBlock(block, conversation),
    );
    if (wantsCachePoint(block)) blocks.push(CACHE_POINT);
  }
  return blocks;
}

function convertUserBlock(block: Json, conversation: State): ConverseContentBlock {
  switch (block?.type) {
    case "text":
      return { text: stringField(block, "text") };
    case "image":
      return { image: convertImage(block.source) };
    case "document":
      return { document: convertDocument(block, conversation) };
    case "tool_result":
      conversation.hasToolBlocks = true;
      return { toolResult: convertToolResult(block) };
    default:
      throw new InvalidRequestError(
        `content block type "${displayValue(block?.type)}" is not supported by AWS Bedrock`,
      );
  }
}

function convertAssistantBlock(block: Json, conversation: State): ConverseContentBlock {
  switch (block?.type) {
    case "text":
      return { text: stringField(block, "text") };
    case "thinking": {
      const reasoningText: { text: string; signature?: string } = { text: stringField(block, "thinking") };
      if (typeof block.signature === "string" && block.signature !== "")
        reasoningText.signature = block.signature;
      return { reasoningContent: { reasoningText } };
    }
    case "redacted_thinking":
      // Converse carries redacted reasoning as bytes (base64 in JSON); Anthropic as an opaque string.
      return {
        reasoningContent: {
          redactedContent: Buffer.from(stringField(block, "data"), "utf8").toString("base64"),
        },
      };
    case "tool_use":
      conversation.hasToolBlocks = true;
      return {
        toolUse: {
          toolUseId: stringField(block, "id"),
          name: stringField(block, "name"),
          input: block.input ?? {},
        },
      };
    default:
      throw new InvalidRequestError(
        `content block type "${displayValue(block?.type)}" is not supported by AWS Bedrock`,
      );
  }
}

function convertImage(source: unknown): ConverseImage {
  const src = (source ?? {}) as Json;
  if (src.type === "url") {
    throw new InvalidRequestError(
      "image: remote image URLs are not supported by AWS Bedrock; send the image as a base64 source",
    );
  }
  if (src.type !== "base64" || typeof src.data !== "string" || typeof src.media_type !== "string") {
    throw new InvalidRequestError("image: only base64 image sources are supported by AWS Bedrock");
  }
  const format = converseImageFormat(src.media_type);
  if (format === undefined) {
    throw new InvalidRequestError(`image: unsupported media_type "${src.media_type}" for AWS Bedrock`);
  }
  return { format, source: { bytes: src.data } };
}

/** Converse document names allow letters, digits, single spaces, hyphens, parentheses and brackets. */
const UNSAFE_DOCUMENT_NAME_CHARS = /[^A-Za-z0-9()[\]-]+/g;

function convertDocument(
  block: Json,
  state: State,
): { format: string; name: string; source: { bytes: string } } {
  const src = (block.source ?? {}) as Json;
  let format: string;
  let bytes: string;
  if (src.type === "base64" && src.media_type === "application/pdf" && typeof src.data === "string") {
    format = "pdf";
    bytes = src.data;
  } else if (src.type === "text" && typeof src.data === "string") {
    format = "txt";
    bytes = Buffer.from(src.data, "utf8").toString("base64");
  } else {
    throw new InvalidRequestError(
      "document: only base64 PDF and plain text sources are supported by AWS Bedrock",
    );
  }
  return { format, name: documentName(block.title, state), source: { bytes } };
}

function documentName(title: unknown, state: State): string {
  const cleaned = typeof title === "string" ? title.replace(UNSAFE_DOCUMENT_NAME_CHARS, " ").trim() : "";
  if (cleaned !== "") return cleaned;
  state.documents++;
  return `document-${state.documents}`;
}

function convertToolResult(block: Json): ConverseToolResultBlock {
  const result: ConverseToolResultBlock = { toolUseId: stringField(block, "tool_use_id"), content: [] };
  const content = block.content;
  if (typeof content === "string") {
    result.content.push({ text: content });
  } else if (Array.isArray(content)) {
    for (const part of content as Json[]) {
      if (part?.type === "text") result.content.push({ text: stringField(part, "text") });
      else if (part?.type === "image") result.content.push({ image: convertImage(part.source) });
      else
        throw new InvalidRequestError(
          `tool_result content type "${displayValue(part?.type)}" is not supported by AWS Bedrock`,
        );
    }
  }
  if (block.is_error === true) result.status = "error";
  return result;
}

function stringField(block: Json, name: string): string {
  const value = block[name];
  if (typeof value !== "string")
    throw new InvalidRequestError(`${displayValue(block.type)} block without ${name}`);
  return value;
}
