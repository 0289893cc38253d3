import { parse } from "yaml";
import type { TokenUsage } from "../usage/token-usage.js";

/** Prices of one model in US dollars (or any currency) per million tokens. */
export interface ModelPrice {
  readonly input: number;
  /** Cache reads; default: the input price. */
  readonly cachedInput: number;
  /** Cache writes (Anthropic); default: the input price. */
  readonly cacheCreationInput: number;
  /** Output, reasoning included (providers bill reasoning as output). */
  readonly output: number;
}

/** Model name -> price; "*" is the price of every model not listed. */
export type PriceTable = ReadonlyMap<string, ModelPrice>;

/** The ConfigMap data key a price table is read from. */
export const PRICE_TABLE_KEY = "prices.yaml";

/**
 * Parses a price table: YAML mapping each model to `{input, output, cachedInput?,
 * cacheCreationInput?}` in currency units per million tokens. Throws with the offending model.
 */
export function parsePriceTable(text: string): PriceTable {
  const doc: unknown = parse(text);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new Error("a price table maps model names to {input, output, ...} prices per million tokens");
  }
  const table = new Map<string, ModelPrice>();
  for (const [model, value] of Object.entries(doc as Record<string, unknown>)) {
    const row = value as Record<string, unknown> | null;
    const price = (field: string, fallback?: number): number => {
      const v = row?.[field] ?? fallback;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new Error(`price table: ${model}.${field} must be a non-negative number`);
      }
      return v;
    };
    const input = price("input");
    table.set(model, {
      input,
      cachedInput: price("cachedInput", input),
      cacheCreationInput: price("cacheCreationInput", input),
      output: price("output"),
    });
  }
  return table;
}

/**
 * A request's price in millionths of the table's currency (micro-dollars for a table in dollars):
 * a price per million tokens times a token count is exactly that, so no scaling is needed. Rounded
 * up, so a budget is never under-charged; 0 for a model the table does not price.
 */
export function priceMicros(table: PriceTable | undefined, model: string, usage: TokenUsage): number {
  const price = table?.get(model) ?? table?.get("*");
  if (!price) return 0;
  // inputTokens counts cache reads and writes too (TokenUsage): each is priced at its own rate.
  const plainInput = Math.max(
    0,
    usage.inputTokens - usage.cachedInputTokens - usage.cacheCreationInputTokens,
  );
  const total =
    plainInput * price.input +
    usage.cachedInputTokens * price.cachedInput +
    usage.cacheCreationInputTokens * price.cacheCreationInput +
    usage.outputTokens * price.output;
  // Guard against floating-point noise (0.1 * 3 = 0.30000000000000004) before rounding up.
  return Math.ceil(total - 1e-9);
}
