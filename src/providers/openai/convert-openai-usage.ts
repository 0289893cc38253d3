import type { TokenUsage } from "../../usage/token-usage.js";
import { tokenCount } from "../token-count.js";

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
  /** The Responses API's names for the two details objects. */
  input_tokens_details?: { cached_tokens?: number; cache_creation_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

/** Counts that are not numbers (from a broken upstream) read as 0, and as absent where there is a fallback. */
export function convertOpenAIUsage(usage: OpenAIUsage, into: TokenUsage): void {
  const input = tokenCount(usage.prompt_tokens ?? usage.input_tokens);
  const output = tokenCount(usage.completion_tokens ?? usage.output_tokens);
  into.inputTokens = input;
  into.outputTokens = output;
  into.totalTokens = typeof usage.total_tokens === "number" ? tokenCount(usage.total_tokens) : input + output;
  const details = usage.prompt_tokens_details ?? usage.input_tokens_details;
  into.cachedInputTokens = tokenCount(details?.cached_tokens);
  into.cacheCreationInputTokens = tokenCount(details?.cache_creation_tokens);
  const outputDetails = usage.completion_tokens_details ?? usage.output_tokens_details;
  into.reasoningTokens = tokenCount(outputDetails?.reasoning_tokens);
}
