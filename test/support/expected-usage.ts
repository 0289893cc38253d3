import type { TokenUsage } from "../../src/usage/token-usage.js";

/** An OpenAI `usage` object as chat, completions and embeddings answers carry it. */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/**
 * The usage the gateway must count for an OpenAI `usage` object: the test oracle, written apart from the
 * gateway's own extraction so that a mistake there shows.
 */
export function expectedUsage(u: OpenAIUsage): TokenUsage {
  return {
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    totalTokens: u.total_tokens ?? 0,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    cacheCreationInputTokens: u.prompt_tokens_details?.cache_creation_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}
