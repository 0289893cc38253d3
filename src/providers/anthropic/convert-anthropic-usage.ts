import { emptyUsage, type TokenUsage } from "../../usage/token-usage.js";
import type { AnthropicStreamEvent, AnthropicUsage } from "./anthropic-wire-types.js";

/**
 * Anthropic reports cache reads and writes apart from `input_tokens`; the gateway counts them into
 * input, as Envoy AI Gateway does, and keeps each part visible.
 */
export function convertAnthropicUsage(u: AnthropicUsage | null | undefined): TokenUsage {
  const usage = emptyUsage();
  if (!u) return usage;
  const input = count(u.input_tokens);
  usage.cachedInputTokens = count(u.cache_read_input_tokens);
  usage.cacheCreationInputTokens = count(u.cache_creation_input_tokens);
  usage.inputTokens = input + usage.cachedInputTokens + usage.cacheCreationInputTokens;
  usage.outputTokens = count(u.output_tokens);
  usage.reasoningTokens = count(u.output_tokens_details?.thinking_tokens);
  usage.totalTokens = usage.inputTokens + usage.outputTokens;
  return usage;
}

/**
 * Usage of a Messages stream. `message_start` carries the input counts (and an output count of 1);
 * every `message_delta` carries cumulative totals: the output count always, input and cache counts
 * when the backend reports them there. Totals are taken, never summed. `message_start` also names
 * the model that answered.
 */
export class AnthropicStreamUsage {
  /** The model `message_start` named, if it named one. */
  model: string | undefined;
  private input = 0;
  private cacheRead = 0;
  private cacheCreation = 0;
  private output = 0;
  private thinking = 0;

  /** Reads the usage an event carries, if any. */
  observe(event: AnthropicStreamEvent): void {
    if (event.type === "message_start") {
      const model = event.message?.model;
      if (typeof model === "string" && model !== "") this.model = model;
      const u = event.message?.usage;
      if (!u) return;
      this.input = count(u.input_tokens);
      this.cacheRead = count(u.cache_read_input_tokens);
      this.cacheCreation = count(u.cache_creation_input_tokens);
      this.output = count(u.output_tokens);
      this.thinking = count(u.output_tokens_details?.thinking_tokens);
    } else if (event.type === "message_delta") {
      const u = event.usage;
      if (!u) return;
      if (typeof u.output_tokens === "number") this.output = u.output_tokens;
      // Some backends send zeros here for counts they reported on message_start; a cumulative
      // count never falls, so only a positive value is news.
      if (positive(u.input_tokens)) this.input = u.input_tokens;
      if (positive(u.cache_read_input_tokens)) this.cacheRead = u.cache_read_input_tokens;
      if (positive(u.cache_creation_input_tokens)) this.cacheCreation = u.cache_creation_input_tokens;
      const thinking = u.output_tokens_details?.thinking_tokens;
      if (positive(thinking)) this.thinking = thinking;
    }
  }

  get usage(): TokenUsage {
    const inputTokens = this.input + this.cacheRead + this.cacheCreation;
    return {
      inputTokens,
      outputTokens: this.output,
      totalTokens: inputTokens + this.output,
      cachedInputTokens: this.cacheRead,
      cacheCreationInputTokens: this.cacheCreation,
      reasoningTokens: this.thinking,
    };
  }
}

function count(n: number | null | undefined): number {
  return typeof n === "number" && n > 0 ? n : 0;
}

function positive(n: number | null | undefined): n is number {
  return typeof n === "number" && n > 0;
}
