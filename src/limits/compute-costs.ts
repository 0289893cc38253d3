import type { TokenUsage } from "../usage/token-usage.js";
import { type CostVariables, compileCostExpression } from "./compile-cost-expression.js";
import type { PriceTable } from "./price-table.js";

/** One `llmRequestCosts` entry of a route or of GatewayConfig `globalLLMRequestCosts`. */
export interface CostSpec {
  metadataKey: string;
  type:
    | "InputToken"
    | "CachedInputToken"
    | "CacheCreationInputToken"
    | "OutputToken"
    | "TotalToken"
    | "ReasoningToken"
    | "CEL";
  cel?: string;
}

export type CostCalculator = (vars: CostVariables) => Record<string, number>;

const TOKEN_COST: Record<Exclude<CostSpec["type"], "CEL">, (u: TokenUsage) => number> = {
  InputToken: (u) => u.inputTokens,
  CachedInputToken: (u) => u.cachedInputTokens,
  CacheCreationInputToken: (u) => u.cacheCreationInputTokens,
  OutputToken: (u) => u.outputTokens,
  TotalToken: (u) => u.totalTokens,
  ReasoningToken: (u) => u.reasoningTokens,
};

/** Compiles a route's llmRequestCosts into one function giving each metadataKey its cost. */
export function compileCosts(specs: readonly CostSpec[], prices?: PriceTable): CostCalculator {
  const parts = specs.map((spec) => {
    if (spec.type === "CEL") {
      const expression = compileCostExpression(spec.cel ?? "", prices);
      return { key: spec.metadataKey, cost: expression };
    }
    const pick = TOKEN_COST[spec.type];
    return { key: spec.metadataKey, cost: (vars: CostVariables) => pick(vars.usage) };
  });
  return (vars) => {
    const out: Record<string, number> = {};
    for (const part of parts) out[part.key] = part.cost(vars);
    return out;
  };
}
