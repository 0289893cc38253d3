/**
 * Controller-level checks shared by several kinds: things the CRD cannot express but that must
 * hold before the gateway can compile the object (cost CEL, regular expressions).
 */
import { parse } from "@marcbachmann/cel-js";
import { compileCostExpression } from "../../limits/compile-cost-expression.js";
import { requiredValue } from "../field-error.js";
import { entries } from "./kind-validator.js";
import { invalidField } from "./schema-messages.js";

/** llmRequestCosts / globalLLMRequestCosts: a CEL entry needs an expression that compiles and yields a cost. */
export function checkCosts(costs: unknown, path: string, out: string[]): void {
  for (const [i, cost] of entries(costs)) {
    if (cost.type !== "CEL") continue;
    const celPath = `${path}[${i}].cel`;
    if (typeof cost.cel !== "string" || cost.cel.trim() === "") {
      out.push(`${requiredValue(celPath)}: type CEL needs an expression`);
      continue;
    }
    checkCostExpression(cost.cel, celPath, out);
  }
}

/**
 * A cost expression is checked by compiling it exactly as the gateway will: it must type check
 * (variables model, backend, route_name as strings and the token counts as uint) and a smoke
 * evaluation must give a non-negative integer, as upstream's controller requires.
 */
export function checkCostExpression(expression: string, path: string, out: string[]): void {
  try {
    compileCostExpression(expression);
  } catch (err) {
    out.push(invalidField(path, expression, `invalid CEL expression: ${firstLine(err)}`));
  }
}

/** HTTPHeaderMatch lists: a RegularExpression value must compile. */
export function checkHeaderRegexes(headers: unknown, path: string, out: string[]): void {
  for (const [i, header] of entries(headers)) {
    if (header.type === "RegularExpression" && typeof header.value === "string") {
      checkRegex(header.value, `${path}[${i}].value`, out);
    }
  }
}

export function checkRegexList(patterns: unknown, path: string, out: string[]): void {
  if (!Array.isArray(patterns)) return;
  patterns.forEach((pattern, i) => {
    if (typeof pattern === "string") checkRegex(pattern, `${path}[${i}]`, out);
  });
}

function checkRegex(pattern: string, path: string, out: string[]): void {
  try {
    new RegExp(pattern);
  } catch (err) {
    out.push(invalidField(path, pattern, `invalid regular expression: ${(err as Error).message}`));
  }
}

/** CEL whose variables another module defines (MCP authorization, backend selection): syntax only. */
export function checkCelSyntax(expression: unknown, path: string, out: string[]): void {
  if (typeof expression !== "string") return;
  try {
    parse(expression);
  } catch (err) {
    out.push(invalidField(path, expression, `cannot parse CEL expression: ${firstLine(err)}`));
  }
}

/** cel-js messages continue with a source excerpt on further lines; a field error keeps one line. */
function firstLine(err: unknown): string {
  return ((err as Error).message ?? String(err)).split("\n")[0] ?? "";
}
