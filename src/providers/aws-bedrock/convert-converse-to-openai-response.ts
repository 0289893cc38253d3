import type { TokenUsage } from "../../usage/token-usage.js";
import type { ConverseContentBlock, ConverseResponse } from "./converse-types.js";
import { convertConverseUsage, openAIUsageJson } from "./convert-converse-usage.js";
import { mapBedrockStopReasonToOpenAI } from "./map-bedrock-stop-reason.js";

export interface OpenAIResponseMeta {
  id: string;
  created: number;
  model: string;
}

/**
 * A Converse answer (with `output.message`) as an OpenAI `chat.completion`: one choice; text blocks
 * joined into `content`, toolUse blocks as `tool_calls`, reasoning as `reasoning_content` (plain
 * text) plus `thinking_blocks` carrying signatures and redacted reasoning for the next turn.
 */
export function convertConverseToOpenAIResponse(
  response: ConverseResponse,
  content: readonly ConverseContentBlock[],
  meta: OpenAIResponseMeta,
  usage: TokenUsage,
): Record<string, unknown> {
  let text: string | null = null;
  let reasoning: string | undefined;
  const toolCalls: Record<string, unknown>[] = [];
  const thinkingBlocks: Record<string, unknown>[] = [];
  // Members of the wrong type (from a broken upstream) are read as absent.
  for (const block of content) {
    if (typeof block.text === "string") {
      text = text === null ? block.text : text + block.text;
    } else if (isObject(block.toolUse)) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        type: "function",
        function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) },
      });
    } else if (isObject(block.reasoningContent)) {
      const { reasoningText, redactedContent } = block.reasoningContent;
      if (isObject(reasoningText) && typeof reasoningText.text === "string") {
        if (reasoningText.text !== "")
          reasoning = reasoning === undefined ? reasoningText.text : reasoning + reasoningText.text;
        const thinking: Record<string, unknown> = { type: "thinking", thinking: reasoningText.text };
        if (reasoningText.signature !== undefined) thinking.signature = reasoningText.signature;
        thinkingBlocks.push(thinking);
      }
      if (typeof redactedContent === "string")
        thinkingBlocks.push({ type: "redacted_thinking", data: redactedContent });
    }
  }

  const message: Record<string, unknown> = { role: "assistant", content: text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (thinkingBlocks.length > 0) message.thinking_blocks = thinkingBlocks;

  const json: Record<string, unknown> = {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: mapBedrockStopReasonToOpenAI(response.stopReason) },
    ],
  };
  if (isObject(response.usage)) {
    convertConverseUsage(response.usage, usage);
    json.usage = openAIUsageJson(usage, response.usage);
  }
  if (typeof response.serviceTier?.type === "string") json.service_tier = response.serviceTier.type;
  return json;
}

function isObject<T>(value: T | null | undefined): value is T {
  return typeof value === "object" && value !== null;
}
