import { Environment } from "@marcbachmann/cel-js";
import { UnsignedInt } from "@marcbachmann/cel-js/evaluator";

/**
 * The CEL environment of request-cost expressions (AIGatewayRoute llmRequestCosts, GatewayConfig
 * globalLLMRequestCosts, QuotaPolicy costExpression): the same variables and types as upstream.
 */
const STRING_VARIABLES = ["model", "backend", "route_name"] as const;
const UINT_VARIABLES = [
  "input_tokens",
  "cached_input_tokens",
  "cache_creation_input_tokens",
  "output_tokens",
  "total_tokens",
  "reasoning_tokens",
] as const;

let environment: Environment | undefined;

export function costExpressionEnvironment(): Environment {
  if (!environment) {
    const env = new Environment();
    for (const v of STRING_VARIABLES) env.registerVariable(v, "string");
    for (const v of UINT_VARIABLES) env.registerVariable(v, "uint");
    environment = env;
  }
  return environment;
}

/**
 * Why `expression` cannot serve as a cost, or undefined when it can. Like upstream, it must type
 * check and a smoke evaluation (zero tokens, "dummy" names) must give a non-negative int or uint.
 */
export function costExpressionProblem(expression: string): string | undefined {
  const env = costExpressionEnvironment();
  const checked = env.check(expression);
  if (!checked.valid) return `cannot compile CEL expression: ${firstLine(checked.error?.message)}`;
  let result: unknown;
  try {
    result = env.evaluate(expression, SMOKE_TEST_VALUES);
  } catch (err) {
    return `failed to evaluate CEL expression: ${firstLine((err as Error).message)}`;
  }
  if (result instanceof UnsignedInt) return undefined;
  if (typeof result === "bigint") {
    return result < 0n ? `CEL expression result is negative (${result})` : undefined;
  }
  return `CEL expression result is not an integer, got ${celTypeName(result)}`;
}

const SMOKE_TEST_VALUES: Record<string, unknown> = {
  ...Object.fromEntries(STRING_VARIABLES.map((v) => [v, "dummy"])),
  ...Object.fromEntries(UINT_VARIABLES.map((v) => [v, new UnsignedInt(0)])),
};

function firstLine(message: string | undefined): string {
  return (message ?? "unknown error").split("\n")[0] ?? "";
}

function celTypeName(value: unknown): string {
  if (typeof value === "number") return "double";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string") return "string";
  if (value === null) return "null_type";
  return Array.isArray(value) ? "list" : typeof value;
}
