import type { TokenUsage } from "../../usage/token-usage.js";

/** OpenAI's `usage` object (chat, completions, embeddings) as the gateway counts it. */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  /** Images (gpt-image) and the Responses API name them input/output tokens. */
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export function convertOpenAIUsage(usage: OpenAIUsage, into: TokenUsage): void {
  const input = usage.prompt_tokens ?? usage.input_tokens ?? 0;
  const output = usage.completion_tokens ?? usage.output_tokens ?? 0;
  into.inputTokens = input;
  into.outputTokens = output;
  into.totalTokens = usage.total_tokens ?? input + output;
  into.cachedInputTokens = usage.prompt_tokens_details?.cached_tokens ?? 0;
  into.cacheCreationInputTokens = usage.prompt_tokens_details?.cache_creation_tokens ?? 0;
  into.reasoningTokens = usage.completion_tokens_details?.reasoning_tokens ?? 0;
}
