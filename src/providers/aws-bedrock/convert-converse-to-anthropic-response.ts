import type { TokenUsage } from "../../usage/token-usage.js";
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
  for (const block of content) {
    if (block.text !== undefined) {
      blocks.push({ type: "text", text: block.text });
    } else if (block.toolUse !== undefined) {
      blocks.push({
        type: "tool_use",
        id: block.toolUse.toolUseId,
        name: block.toolUse.name,
        input: block.toolUse.input ?? {},
      });
    } else if (block.reasoningContent?.reasoningText !== undefined) {
      const { text, signature } = block.reasoningContent.reasoningText;
      blocks.push({ type: "thinking", thinking: text, signature: signature ?? "" });
    } else if (block.reasoningContent?.redactedContent !== undefined) {
      blocks.push({ type: "redacted_thinking", data: redactedData(block.reasoningContent.redactedContent) });
    }
  }
  const converse = response.usage ?? {};
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
    input_tokens: usage.inputTokens ?? 0,
    output_tokens: usage.outputTokens ?? 0,
    cache_creation_input_tokens: usage.cacheWriteInputTokens ?? 0,
    cache_read_input_tokens: usage.cacheReadInputTokens ?? 0,
  };
}

/** Converse redacted reasoning bytes (base64 in JSON) back to Anthropic's opaque `data` string. */
export function redactedData(base64: string): string {
  return Buffer.from(base64, "base64").toString("utf8");
}
