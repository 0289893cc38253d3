import type { TokenUsage } from "../../usage/token-usage.js";
import { tokenCount } from "../token-count.js";
import type { ConverseContentBlock, ConverseResponse, ConverseUsage } from "./converse-types.js";
import { convertConverseUsage } from "./convert-converse-usage.js";
import { mapBedrockStopReasonToAnthropic } from "./map-bedrock-stop-reason.js";

/** A Converse answer as an Anthropic `message`. */
export function convertConverseToAnthropicResponse(
  response: ConverseResponse,
  content: readonly ConverseContentBlock[],
  meta: { id: string; model: string },
  usage: TokenUsage,
): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [];
  // Members of the wrong type (from a broken upstream) are read as absent.
  for (const block of content) {
    const reasoning = isObject(block.reasoningContent) ? block.reasoningContent : undefined;
    if (typeof block.text === "string") {
      blocks.push({ type: "text", text: block.text });
    } else if (isObject(block.toolUse)) {
      blocks.push({
        type: "tool_use",
        id: block.toolUse.toolUseId,
        name: block.toolUse.name,
        input: block.toolUse.input ?? {},
      });
    } else if (isObject(reasoning?.reasoningText)) {
      const { text, signature } = reasoning.reasoningText;
      blocks.push({ type: "thinking", thinking: text, signature: signature ?? "" });
    } else if (typeof reasoning?.redactedContent === "string") {
      blocks.push({ type: "redacted_thinking", data: redactedData(reasoning.redactedContent) });
    }
  }
  const converse = isObject(response.usage) ? response.usage : {};
  convertConverseUsage(converse, usage);
  return {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content: blocks,
    stop_reason: mapBedrockStopReasonToAnthropic(response.stopReason),
    stop_sequence: null,
    usage: anthropicUsageJson(converse),
  };
}

/** Anthropic's usage: input_tokens excludes cache reads and writes, as Bedrock's inputTokens does. */
export function anthropicUsageJson(usage: ConverseUsage): Record<string, number> {
  return {
    input_tokens: tokenCount(usage.inputTokens),
    output_tokens: tokenCount(usage.outputTokens),
    cache_creation_input_tokens: tokenCount(usage.cacheWriteInputTokens),
    cache_read_input_tokens: tokenCount(usage.cacheReadInputTokens),
  };
}

function isObject<T>(value: T | null | undefined): value is T {
  return typeof value === "object" && value !== null;
}

/** Converse redacted reasoning bytes (base64 in JSON) back to Anthropic's opaque `data` string. */
export function redactedData(base64: string): string {
  return Buffer.from(base64, "base64").toString("utf8");
}
