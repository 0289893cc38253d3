import { displayValue } from "../display-value.js";
import { type OpenAIThinkingBlock, readThinkingBlocks } from "../read-openai-thinking-blocks.js";
import { InvalidRequestError } from "../translator.js";
import { appendConverseMessage } from "./append-converse-message.js";
import { CACHE_POINT, wantsCachePoint } from "./cache-point.js";
import type { ConverseContentBlock, ConverseMessage, ConverseSystemBlock } from "./converse-types.js";
import { convertOpenAIImageToConverse } from "./convert-openai-image-to-converse.js";

type Json = Record<string, unknown>;

export interface ConverseConversation {
  system: ConverseSystemBlock[];
  messages: ConverseMessage[];
  /** The history holds toolUse/toolResult blocks: Converse then requires a toolConfig. */
  hasToolBlocks: boolean;
}

/**
 * OpenAI chat `messages` as a Converse conversation: system and developer messages become `system`
 * blocks, tool messages become user `toolResult` blocks, assistant tool calls `toolUse` blocks.
 */
export function convertOpenAIMessagesToConverse(input: unknown): ConverseConversation {
  if (!Array.isArray(input)) throw new InvalidRequestError("messages must be an array");
  const conversation: ConverseConversation = { system: [], messages: [], hasToolBlocks: false };
  for (const item of input) {
    if (typeof item !== "object" || item === null)
      throw new InvalidRequestError("each message must be an object");
    const message = item as Json;
    switch (message.role) {
      case "system":
      case "developer":
        appendSystem(conversation.system, message.content);
        break;
      case "user":
        appendConverseMessage(conversation.messages, "user", convertUserContent(message.content));
        break;
      case "assistant": {
        const blocks = convertAssistantMessage(message);
        if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0)
          conversation.hasToolBlocks = true;
        appendConverseMessage(conversation.messages, "assistant", blocks);
        break;
      }
      case "tool":
        conversation.hasToolBlocks = true;
        appendConverseMessage(conversation.messages, "user", [convertToolMessage(message)]);
        break;
      default:
        throw new InvalidRequestError(
          `unsupported message role "${displayValue(message.role)}" for AWS Bedrock`,
        );
    }
  }
  return conversation;
}

function appendSystem(system: ConverseSystemBlock[], content: unknown): void {
  if (typeof content === "string") {
    system.push({ text: content });
    return;
  }
  if (!Array.isArray(content))
    throw new InvalidRequestError("system message content must be a string or an array");
  for (const part of content as Json[]) {
    if (part?.type !== "text" || typeof part.text !== "string") {
      throw new InvalidRequestError("system message content parts must be text");
    }
    system.push({ text: part.text });
    if (wantsCachePoint(part)) system.push(CACHE_POINT);
  }
}

function convertUserContent(content: unknown): ConverseContentBlock[] {
  if (typeof content === "string") return [{ text: content }];
  if (!Array.isArray(content))
    throw new InvalidRequestError("user message content must be a string or an array");
  const blocks: ConverseContentBlock[] = [];
  for (const part of content as Json[]) {
    switch (part?.type) {
      case "text":
        if (typeof part.text !== "string") throw new InvalidRequestError("text part without text");
        blocks.push({ text: part.text });
        break;
      case "image_url":
        blocks.push({ image: convertOpenAIImageToConverse(part.image_url) });
        break;
      default:
        throw new InvalidRequestError(
          `content part type "${displayValue(part?.type)}" is not supported by AWS Bedrock`,
        );
    }
    if (wantsCachePoint(part)) blocks.push(CACHE_POINT);
  }
  return blocks;
}

function convertAssistantMessage(message: Json): ConverseContentBlock[] {
  const blocks: ConverseContentBlock[] = [];
  // Reasoning echoed back from an earlier answer (`thinking_blocks`, the LiteLLM convention this
  // gateway also answers with). Claude requires reasoning to lead the assistant turn.
  for (const block of readThinkingBlocks(message.thinking_blocks)) blocks.push(convertThinkingBlock(block));
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") blocks.push({ text: content });
  } else if (Array.isArray(content)) {
    for (const part of content as Json[]) {
      const block = convertAssistantPart(part);
      if (block === undefined) continue;
      blocks.push(block);
      if (wantsCachePoint(part)) blocks.push(CACHE_POINT);
    }
  } else if (content !== undefined && content !== null) {
    throw new InvalidRequestError("assistant message content must be a string, an array or null");
  }
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call: Json, i: number) => {
      blocks.push({ toolUse: convertToolCall(call, i) });
    });
  }
  return blocks;
}

/**
 * Converse makes the signature optional: reasoning models other than Claude (and this gateway's own
 * answers from them) have none, so a thinking block without one is sent as it is.
 */
function convertThinkingBlock(block: OpenAIThinkingBlock): ConverseContentBlock {
  if (block.type === "redacted_thinking") return { reasoningContent: { redactedContent: block.data } };
  const reasoningText: { text: string; signature?: string } = { text: block.thinking };
  if (block.signature !== undefined) reasoningText.signature = block.signature;
  return { reasoningContent: { reasoningText } };
}

function convertAssistantPart(part: Json): ConverseContentBlock | undefined {
  switch (part?.type) {
    case "text":
      return typeof part.text === "string" && part.text !== "" ? { text: part.text } : undefined;
    case "refusal":
      return typeof part.refusal === "string" && part.refusal !== "" ? { text: part.refusal } : undefined;
    case "thinking": {
      if (typeof part.text !== "string") return undefined;
      const reasoningText: { text: string; signature?: string } = { text: part.text };
      if (typeof part.signature === "string" && part.signature !== "")
        reasoningText.signature = part.signature;
      return { reasoningContent: { reasoningText } };
    }
    case "redacted_thinking": {
      if (typeof part.redactedContent !== "string") {
        throw new InvalidRequestError(
          "redacted_thinking parts need redactedContent as a base64 string for AWS Bedrock",
        );
      }
      return { reasoningContent: { redactedContent: part.redactedContent } };
    }
    default:
      throw new InvalidRequestError(
        `assistant content part type "${displayValue(part?.type)}" is not supported by AWS Bedrock`,
      );
  }
}

function convertToolCall(call: Json, index: number): { toolUseId: string; name: string; input: unknown } {
  if (typeof call?.id !== "string" || call.id === "") {
    throw new InvalidRequestError(`tool_calls[${index}] is missing required field 'id'`);
  }
  const fn = call.function as Json | undefined;
  if (typeof fn?.name !== "string")
    throw new InvalidRequestError(`tool_calls[${index}] is missing function.name`);
  return { toolUseId: call.id, name: fn.name, input: parseArguments(fn.arguments, index) };
}

/** Converse tool input is a JSON object; OpenAI carries it as a string. */
function parseArguments(args: unknown, index: number): unknown {
  if (args === undefined || args === null || args === "") return {};
  if (typeof args !== "string")
    throw new InvalidRequestError(`tool_calls[${index}].function.arguments must be a string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new InvalidRequestError(`tool_calls[${index}].function.arguments is not valid JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestError(
      `tool_calls[${index}].function.arguments must be a JSON object for AWS Bedrock`,
    );
  }
  return parsed;
}

function convertToolMessage(message: Json): ConverseContentBlock {
  if (typeof message.tool_call_id !== "string")
    throw new InvalidRequestError("tool message without tool_call_id");
  const content = message.content;
  let results: { text: string }[];
  if (typeof content === "string") {
    results = [{ text: content }];
  } else if (Array.isArray(content)) {
    results = (content as Json[]).map((part) => {
      if (part?.type !== "text" || typeof part.text !== "string") {
        throw new InvalidRequestError("tool message content parts must be text for AWS Bedrock");
      }
      return { text: part.text };
    });
  } else {
    throw new InvalidRequestError("tool message content must be a string or an array");
  }
  return { toolResult: { toolUseId: message.tool_call_id, content: results } };
}
