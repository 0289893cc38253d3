import type { TokenUsage } from "../../usage/token-usage.js";
import { UpstreamProtocolError } from "../translator.js";
import type { AnthropicMessage } from "./anthropic-wire-types.js";
import { convertTokenUsageToOpenAI } from "./convert-token-usage-to-openai.js";
import { mapAnthropicStopReason } from "./map-anthropic-stop-reason.js";

/**
 * An Anthropic Message -> an OpenAI `chat.completion`. Text blocks join into `content`, thinking
 * into `reasoning_content` (the field OpenAI-compatible servers use for reasoning), `tool_use`
 * blocks become `tool_calls` with the input as a JSON string. Thinking and redacted_thinking blocks
 * are also kept whole, in answer order, in `thinking_blocks` (the LiteLLM convention): a string
 * cannot carry the signature and the redacted data the client must send back in a tool-use loop.
 * Server tools (web search etc.) ran at Anthropic: their blocks are not calls the client could
 * answer, so they are left out. Fields of the wrong type (from a broken upstream) read as empty; a
 * block that is not an object is UpstreamProtocolError.
 */
export function convertAnthropicMessageToChatCompletion(
  message: AnthropicMessage,
  usage: TokenUsage,
  model: string,
  created: number,
): Record<string, unknown> {
  let text: string | null = null;
  let reasoning: string | undefined;
  const toolCalls: Record<string, unknown>[] = [];
  const thinkingBlocks: Record<string, unknown>[] = [];
  for (const block of message.content ?? []) {
    if (typeof block !== "object" || block === null) {
      throw new UpstreamProtocolError("the upstream's answer has a content block that is not an object");
    }
    switch (block.type) {
      case "text":
        text = (text ?? "") + stringOr(block.text);
        break;
      case "thinking": {
        reasoning = (reasoning ?? "") + stringOr(block.thinking);
        const thinking: Record<string, unknown> = { type: "thinking", thinking: stringOr(block.thinking) };
        if (typeof block.signature === "string") thinking.signature = block.signature;
        thinkingBlocks.push(thinking);
        break;
      }
      case "redacted_thinking":
        if (typeof block.data === "string")
          thinkingBlocks.push({ type: "redacted_thinking", data: block.data });
        break;
      case "tool_use":
        toolCalls.push({
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
    }
  }
  const chatMessage: Record<string, unknown> = { role: "assistant", content: text };
  // (tool_use ids and names of the wrong type are passed on as they are: JSON can carry them.)
  if (reasoning !== undefined) chatMessage.reasoning_content = reasoning;
  if (thinkingBlocks.length > 0) chatMessage.thinking_blocks = thinkingBlocks;
  if (toolCalls.length > 0) chatMessage.tool_calls = toolCalls;
  return {
    id: message.id,
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: chatMessage,
        logprobs: null,
        finish_reason: mapAnthropicStopReason(message.stop_reason),
      },
    ],
    usage: convertTokenUsageToOpenAI(usage),
  };
}

function stringOr(value: unknown): string {
  return typeof value === "string" ? value : "";
}
