import type { TokenUsage } from "../../usage/token-usage.js";
import { tokenCount } from "../token-count.js";

/** The `meta` member of a Cohere answer, as far as usage goes. */
export interface CohereMeta {
  /** What was billed: rerank bills `search_units` (one per query and up to 100 documents). */
  billed_units?: { input_tokens?: unknown; output_tokens?: unknown; search_units?: unknown } | null;
  /** Tokens the model read and wrote. */
  tokens?: { input_tokens?: unknown; output_tokens?: unknown } | null;
}

/**
 * Cohere's usage as the gateway counts it: input and output from `meta.tokens`, else from
 * `meta.billed_units` (the same counts, billed). Rerank answers usually carry only
 * `billed_units.search_units`, which are not tokens: they are not counted as any token type (a cost
 * expression over input tokens would otherwise charge per search), so such a rerank records 0 tokens.
 */
export function convertCohereMeta(meta: CohereMeta, into: TokenUsage): void {
  const tokens = isObject(meta.tokens) ? meta.tokens : undefined;
  const billed = isObject(meta.billed_units) ? meta.billed_units : undefined;
  const input = tokenCount(tokens?.input_tokens ?? billed?.input_tokens);
  const output = tokenCount(tokens?.output_tokens ?? billed?.output_tokens);
  into.inputTokens = input;
  into.outputTokens = output;
  into.totalTokens = input + output;
}

function isObject<T>(value: T | null | undefined): value is T {
  return typeof value === "object" && value !== null;
}
