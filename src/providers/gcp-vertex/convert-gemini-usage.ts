import type { TokenUsage } from "../../usage/token-usage.js";
import { tokenCount } from "../token-count.js";
import type { GeminiUsageMetadata } from "./gemini-types.js";

/**
 * Gemini's `usageMetadata` into the gateway's counts: input = promptTokenCount (which includes the
 * cached part), output = candidatesTokenCount + thoughtsTokenCount (thinking is billed as output),
 * cached = cachedContentTokenCount, reasoning = thoughtsTokenCount, total = totalTokenCount when
 * given. Stream chunks carry cumulative counts, so each call replaces what an earlier one set.
 */
export function convertGeminiUsage(usage: GeminiUsageMetadata, into: TokenUsage): void {
  const thoughts = tokenCount(usage.thoughtsTokenCount);
  into.inputTokens = tokenCount(usage.promptTokenCount);
  into.outputTokens = tokenCount(usage.candidatesTokenCount) + thoughts;
  into.totalTokens =
    typeof usage.totalTokenCount === "number"
      ? tokenCount(usage.totalTokenCount)
      : into.inputTokens + into.outputTokens;
  into.cachedInputTokens = tokenCount(usage.cachedContentTokenCount);
  into.cacheCreationInputTokens = 0;
  into.reasoningTokens = thoughts;
}

/** The counts as an OpenAI `usage` object. */
export function openAIUsageOf(usage: TokenUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
