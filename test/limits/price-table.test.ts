import assert from "node:assert/strict";
import { test } from "node:test";
import { compileCostExpression } from "../../src/limits/compile-cost-expression.js";
import { parsePriceTable, priceMicros } from "../../src/limits/price-table.js";
import { emptyUsage, type TokenUsage } from "../../src/usage/token-usage.js";

const TABLE = parsePriceTable(`
gpt-4o: {input: 2.50, cachedInput: 1.25, output: 10}
claude-sonnet: {input: 3, cachedInput: 0.30, cacheCreationInput: 3.75, output: 15}
"*": {input: 1, output: 2}
`);

function usage(u: Partial<TokenUsage>): TokenUsage {
  return { ...emptyUsage(), ...u };
}

test("a price per million tokens times the tokens is micro-dollars; cache reads and writes at their own rates", () => {
  // 1,000 input of which 200 cached, 500 output: 800 * 2.5 + 200 * 1.25 + 500 * 10 = 7,250 micro-$.
  assert.equal(
    priceMicros(TABLE, "gpt-4o", usage({ inputTokens: 1000, cachedInputTokens: 200, outputTokens: 500 })),
    7250,
  );
  // 100 plain + 50 read + 10 written input, 20 output: 300 + 15 + 37.5 + 300 = 652.5 -> 653 (rounded up).
  assert.equal(
    priceMicros(
      TABLE,
      "claude-sonnet",
      usage({ inputTokens: 160, cachedInputTokens: 50, cacheCreationInputTokens: 10, outputTokens: 20 }),
    ),
    653,
  );
});

test("an unlisted model takes the * row; no row and no table cost nothing", () => {
  assert.equal(priceMicros(TABLE, "mystery", usage({ inputTokens: 10, outputTokens: 10 })), 30);
  assert.equal(priceMicros(parsePriceTable("a: {input: 1, output: 1}"), "b", usage({ inputTokens: 5 })), 0);
  assert.equal(priceMicros(undefined, "gpt-4o", usage({ inputTokens: 5 })), 0);
});

test("a malformed table names the model and field", () => {
  assert.throws(() => parsePriceTable("gpt-4o: {input: -1, output: 2}"), /gpt-4o\.input/);
  assert.throws(() => parsePriceTable("gpt-4o: {input: 1}"), /gpt-4o\.output/);
  assert.throws(() => parsePriceTable("- a\n- b"), /maps model names/);
});

test("CEL reads the price as price_micros (uint), so budgets can combine it", () => {
  const cost = compileCostExpression("price_micros + 1u", TABLE);
  const vars = {
    model: "gpt-4o",
    backend: "b",
    route_name: "r",
    usage: usage({ inputTokens: 1000, outputTokens: 100 }),
  };
  assert.equal(cost(vars), 1000 * 2.5 + 100 * 10 + 1);
  assert.equal(compileCostExpression("price_micros")(vars), 0, "no table: 0");
});
