/**
 * Token counts of one request, as the gateway counted them from the response. Every translator
 * reports into this one shape; rate limits, costs and the ledger read it.
 * `inputTokens` includes cached and cache-creation tokens (as upstream Envoy AI Gateway counts them).
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  reasoningTokens: number;
}

export function emptyUsage(): TokenUsage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  };
}
