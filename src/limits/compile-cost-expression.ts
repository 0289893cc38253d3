import { Environment } from "@marcbachmann/cel-js";
import { UnsignedInt } from "@marcbachmann/cel-js/evaluator";
import { emptyUsage, type TokenUsage } from "../usage/token-usage.js";
import { type PriceTable, priceMicros } from "./price-table.js";

/** What a CEL cost expression can read, named as upstream documents them (token counts are uint). */
export interface CostVariables {
  model: string;
  backend: string;
  route_name: string;
  usage: TokenUsage;
}

export type CostExpression = (vars: CostVariables) => number;

const TOKEN_VARIABLES = [
  "input_tokens",
  "cached_input_tokens",
  "cache_creation_input_tokens",
  "output_tokens",
  "total_tokens",
  "reasoning_tokens",
] as const;

/**
 * aigw's extension: the request's price from the configured price table, in millionths of its
 * currency (price-table.ts); 0 without a table. So a money budget is `cel: "price_micros"`.
 */
const PRICE_VARIABLE = "price_micros";

/** One environment for all cost expressions: parse() on it does not change it. */
const environment = (() => {
  const env = new Environment();
  for (const name of ["model", "backend", "route_name"]) env.registerVariable(name, "string");
  for (const name of TOKEN_VARIABLES) env.registerVariable(name, "uint");
  env.registerVariable(PRICE_VARIABLE, "uint");
  return env;
})();

/**
 * Compiles a llmRequestCosts / QuotaPolicy CEL expression once (configuration time). Throws when it
 * does not parse, does not type-check, or does not yield a non-negative integer for sample values.
 */
export function compileCostExpression(expression: string, prices?: PriceTable): CostExpression {
  const program = environment.parse(expression);
  const checked = program.check();
  if (!checked.valid) throw new Error(checked.error?.message ?? "does not type-check");
  if (checked.type !== "int" && checked.type !== "uint" && checked.type !== "dyn") {
    throw new Error(`must evaluate to an integer, not ${checked.type}`);
  }
  const usesPrice = expression.includes(PRICE_VARIABLE);
  const evaluate: CostExpression = (vars) => {
    const u = vars.usage;
    const price = usesPrice ? priceMicros(prices, vars.model, u) : 0;
    const result: unknown = program({
      model: vars.model,
      backend: vars.backend,
      route_name: vars.route_name,
      input_tokens: new UnsignedInt(u.inputTokens),
      cached_input_tokens: new UnsignedInt(u.cachedInputTokens),
      cache_creation_input_tokens: new UnsignedInt(u.cacheCreationInputTokens),
      output_tokens: new UnsignedInt(u.outputTokens),
      total_tokens: new UnsignedInt(u.totalTokens),
      reasoning_tokens: new UnsignedInt(u.reasoningTokens),
      price_micros: new UnsignedInt(price),
    });
    const value =
      typeof result === "object" && result !== null ? (result as { valueOf(): unknown }).valueOf() : result;
    if (typeof value !== "bigint" && typeof value !== "number") throw new Error("cost is not a number");
    if (value < 0) throw new Error("cost is negative");
    return Number(value);
  };
  // Smoke evaluation with zero tokens, as upstream does at configuration time: an expression that
  // underflows on an empty answer (e.g. `input_tokens - 1u`) is rejected now, not at request time.
  evaluate({ model: "m", backend: "b", route_name: "r", usage: emptyUsage() });
  return evaluate;
}
