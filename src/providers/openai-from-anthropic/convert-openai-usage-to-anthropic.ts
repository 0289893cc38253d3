import type { OpenAIUsage } from "../openai/convert-openai-usage.js";
import { tokenCount } from "../token-count.js";

export interface AnthropicUsageJson {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/**
 * OpenAI usage as Anthropic reports it. OpenAI's prompt_tokens include cached tokens; Anthropic's
 * input_tokens exclude cache reads and writes, which it reports on their own. So the cached part
 * moves to cache_read_input_tokens and input + cache read + cache creation = prompt_tokens, which
 * is what an Anthropic client adds up.
 */
export function convertOpenAIUsageToAnthropic(u: OpenAIUsage): AnthropicUsageJson {
  const cached = tokenCount(u.prompt_tokens_details?.cached_tokens);
  const creation = tokenCount(u.prompt_tokens_details?.cache_creation_tokens);
  const usage: AnthropicUsageJson = {
    input_tokens: Math.max(0, tokenCount(u.prompt_tokens) - cached - creation),
    output_tokens: tokenCount(u.completion_tokens),
  };
  if (cached > 0) usage.cache_read_input_tokens = cached;
  if (creation > 0) usage.cache_creation_input_tokens = creation;
  return usage;
}
