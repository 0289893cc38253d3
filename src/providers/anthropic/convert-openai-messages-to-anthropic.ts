import { displayValue } from "../display-value.js";
import {
  type OpenAIThinkingBlock,
  readThinkingBlock,
  readThinkingBlocks,
  thinkingBlockName,
} from "../read-openai-thinking-blocks.js";
import { InvalidRequestError } from "../translator.js";
import {
  type AnthropicBlockParam,
  convertOpenAIContentToAnthropic,
} from "./convert-openai-content-to-anthropic.js";

/**
 * OpenAI chat `messages` -> Anthropic `system` and `messages`:
 * - system and developer messages become `system` text blocks, in order;
 * - user content becomes content blocks (a plain string stays a string);
 * - assistant `thinking_blocks` (Claude's thinking, echoed back with its signature) become thinking
 *   and redacted_thinking blocks leading the turn, where Claude requires them; assistant text and
 *   `tool_calls` follow as text and `tool_use` blocks; an assistant message with none of them is
 *   dropped, as Anthropic rejects empty turns;
 * - tool messages become `tool_result` blocks of a user message; consecutive ones share one user
 *   message, which is how Anthropic expects the results of parallel tool calls.
 */

export interface AnthropicMessageParam {
  role: "user" | "assistant";
  content: string | AnthropicBlockParam[];
}

export interface AnthropicPrompt {
  system: AnthropicBlockParam[];
  messages: AnthropicMessageParam[];
}

type ChatMessage = Record<string, unknown> & { role?: unknown; content?: unknown };

export function convertOpenAIMessagesToAnthropic(messages: unknown): AnthropicPrompt {
  if (!Array.isArray(messages)) throw new InvalidRequestError("messages must be an array");
  const system: AnthropicBlockParam[] = [];
  const out: AnthropicMessageParam[] = [];
  let toolResults: AnthropicBlockParam[] | undefined;
  for (const raw of messages) {
    if (typeof raw !== "object" || raw === null) throw new InvalidRequestError("invalid message");
    const msg = raw as ChatMessage;
    if (msg.role === "tool") {
      if (toolResults === undefined) {
        toolResults = [];
        out.push({ role: "user", content: toolResults });
      }
      toolResults.push(convertToolMessage(msg));
      continue;
    }
    toolResults = undefined;
    switch (msg.role) {
      case "system":
      case "developer":
        system.push(...convertSystemContent(msg.content));
        break;
      case "user":
        out.push({
          role: "user",
          content:
            typeof msg.content === "string" ? msg.content : convertOpenAIContentToAnthropic(msg.content),
        });
        break;
      case "assistant": {
        const content = convertAssistantMessage(msg);
        if (content.length > 0) out.push({ role: "assistant", content });
        break;
      }
      default:
        throw new InvalidRequestError(`unsupported message role: ${displayValue(msg.role)}`);
    }
  }
  return { system, messages: out };
}

function convertSystemContent(content: unknown): AnthropicBlockParam[] {
  const blocks = convertOpenAIContentToAnthropic(content);
  for (const block of blocks) {
    if (block.type !== "text")
      throw new InvalidRequestError("system and developer messages may only hold text");
  }
  return blocks;
}

function convertAssistantMessage(msg: ChatMessage): AnthropicBlockParam[] {
  const blocks: AnthropicBlockParam[] = [];
  readThinkingBlocks(msg.thinking_blocks).forEach((block, i) => {
    blocks.push(convertThinkingBlock(block, thinkingBlockName(i)));
  });
  const content = msg.content;
  if (typeof content === "string") {
    if (content !== "") blocks.push({ type: "text", text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, i) => {
      blocks.push(convertAssistantPart(part, `assistant content[${i}]`));
    });
  }
  if (Array.isArray(msg.tool_calls)) {
    for (const call of msg.tool_calls) blocks.push(convertToolCall(call));
  }
  return blocks;
}

/**
 * Assistant parts: text, refusal (said as text), and thinking blocks a client passes back in the
 * same shape as a `thinking_blocks` entry.
 */
function convertAssistantPart(part: unknown, where: string): AnthropicBlockParam {
  const p = (typeof part === "object" && part !== null ? part : {}) as Record<string, unknown>;
  let block: AnthropicBlockParam;
  switch (p.type) {
    case "text":
      block = { type: "text", text: displayValue(p.text ?? "") };
      break;
    case "refusal":
      block = { type: "text", text: displayValue(p.refusal ?? "") };
      break;
    case "thinking":
    case "redacted_thinking":
      block = convertThinkingBlock(readThinkingBlock(p, where), where);
      break;
    default:
      throw new InvalidRequestError(`unsupported assistant content part type: ${displayValue(p.type)}`);
  }
  if (p.cache_control !== undefined) block.cache_control = p.cache_control;
  return block;
}

/**
 * Anthropic verifies the signature of every thinking block it is sent and answers a missing one with
 * an error about the message position only, so the gateway says which client field lacks it.
 */
function convertThinkingBlock(block: OpenAIThinkingBlock, where: string): AnthropicBlockParam {
  if (block.type === "redacted_thinking") return { type: "redacted_thinking", data: block.data };
  if (block.signature === undefined) {
    throw new InvalidRequestError(
      `${where} has no signature: Anthropic takes a thinking block back only with the signature Claude returned for it (send thinking_blocks back unchanged)`,
    );
  }
  return { type: "thinking", thinking: block.thinking, signature: block.signature };
}

function convertToolCall(call: unknown): AnthropicBlockParam {
  const c = (typeof call === "object" && call !== null ? call : {}) as Record<string, unknown>;
  const fn = (c.function ?? {}) as { name?: unknown; arguments?: unknown };
  if (typeof c.id !== "string" || c.id === "") throw new InvalidRequestError("tool_calls[].id is required");
  if (typeof fn.name !== "string") throw new InvalidRequestError("tool_calls[].function.name is required");
  const block: AnthropicBlockParam = {
    type: "tool_use",
    id: c.id,
    name: fn.name,
    input: parseArguments(fn.arguments),
  };
  if (c.cache_control !== undefined) block.cache_control = c.cache_control;
  return block;
}

/** Anthropic wants the tool input as a JSON object; OpenAI carries it as a JSON string. */
function parseArguments(args: unknown): Record<string, unknown> {
  if (args === undefined || args === null || args === "") return {};
  if (typeof args === "object" && !Array.isArray(args)) return args as Record<string, unknown>;
  let parsed: unknown;
  try {
    parsed = JSON.parse(displayValue(args));
  } catch {
    throw new InvalidRequestError("tool_calls[].function.arguments must be a JSON object");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestError("tool_calls[].function.arguments must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function convertToolMessage(msg: ChatMessage): AnthropicBlockParam {
  if (typeof msg.tool_call_id !== "string" || msg.tool_call_id === "") {
    throw new InvalidRequestError("tool messages need a tool_call_id");
  }
  const block: AnthropicBlockParam = {
    type: "tool_result",
    tool_use_id: msg.tool_call_id,
    content: typeof msg.content === "string" ? msg.content : convertOpenAIContentToAnthropic(msg.content),
  };
  if (msg.cache_control !== undefined) block.cache_control = msg.cache_control;
  return block;
}
