import type { TokenUsage } from "../../usage/token-usage.js";
import { tokenCount } from "../token-count.js";
import type { ConverseUsage } from "./converse-types.js";

/**
 * Converse usage into the gateway's counts. Bedrock's inputTokens excludes cache reads and writes;
 * the gateway's input count includes them (as Envoy AI Gateway counts), with the cached parts also
 * reported on their own. Bedrock reports no reasoning token count.
 */
export function convertConverseUsage(usage: ConverseUsage, into: TokenUsage): void {
  const cacheRead = tokenCount(usage.cacheReadInputTokens);
  const cacheWrite = tokenCount(usage.cacheWriteInputTokens);
  into.inputTokens = tokenCount(usage.inputTokens) + cacheRead + cacheWrite;
  into.outputTokens = tokenCount(usage.outputTokens);
  into.totalTokens = into.inputTokens + into.outputTokens;
  into.cachedInputTokens = cacheRead;
  into.cacheCreationInputTokens = cacheWrite;
  into.reasoningTokens = 0;
}

/** The OpenAI `usage` object for counts made by convertConverseUsage. */
export function openAIUsageJson(usage: TokenUsage, converse: ConverseUsage): Record<string, unknown> {
  const json: Record<string, unknown> = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
  };
  if (converse.cacheReadInputTokens !== undefined || converse.cacheWriteInputTokens !== undefined) {
    json.prompt_tokens_details = {
      cached_tokens: usage.cachedInputTokens,
      cache_creation_tokens: usage.cacheCreationInputTokens,
    };
  }
  return json;
}
