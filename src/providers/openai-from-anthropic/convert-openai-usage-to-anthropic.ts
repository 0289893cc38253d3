import type { OpenAIUsage } from "../openai/convert-openai-usage.js";

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
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  const creation = u.prompt_tokens_details?.cache_creation_tokens ?? 0;
  const usage: AnthropicUsageJson = {
    input_tokens: Math.max(0, (u.prompt_tokens ?? 0) - cached - creation),
    output_tokens: u.completion_tokens ?? 0,
  };
  if (cached > 0) usage.cache_read_input_tokens = cached;
  if (creation > 0) usage.cache_creation_input_tokens = creation;
  return usage;
}
