import type { TokenUsage } from "../../usage/token-usage.js";

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; cache_creation_tokens?: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/**
 * The gateway's usage as an OpenAI `usage` object. prompt_tokens includes cached and
 * cache-creation tokens, as OpenAI counts them; the cache-creation part is shown (as Envoy AI
 * Gateway does) only when there is one, since OpenAI itself has no such field.
 */
export function convertTokenUsageToOpenAI(u: TokenUsage): OpenAIUsage {
  const usage: OpenAIUsage = {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.totalTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
  if (u.cacheCreationInputTokens > 0) {
    usage.prompt_tokens_details.cache_creation_tokens = u.cacheCreationInputTokens;
  }
  return usage;
}
