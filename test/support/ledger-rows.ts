import type { RequestRecord } from "../../src/gateway/request-record.js";
import { type LedgerRow, toLedgerRow } from "../../src/usage/ledger-row.js";
import type { TokenUsage } from "../../src/usage/token-usage.js";
import { requestRecord } from "./request-record.js";

/** A ledger row of a request started at `time` (RFC 3339), its usage given as input and output tokens. */
export function ledgerRow(
  time: string,
  overrides: Partial<RequestRecord> = {},
  tokens: Partial<TokenUsage> = {},
): LedgerRow {
  const inputTokens = tokens.inputTokens ?? 0;
  const outputTokens = tokens.outputTokens ?? 0;
  const usage: TokenUsage = {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
    ...tokens,
  };
  return toLedgerRow(requestRecord({ usage, ...overrides }), Date.parse(time));
}
