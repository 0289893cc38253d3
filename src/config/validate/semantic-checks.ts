/**
 * Controller-level checks shared by several kinds: things the CRD cannot express but that must
 * hold before the gateway can compile the object (cost CEL, regular expressions, rate-limit client
 * selectors).
 */
import { isIPv4, isIPv6 } from "node:net";
import { Environment } from "@marcbachmann/cel-js";
import { compileCostExpression } from "../../limits/compile-cost-expression.js";
import { requiredValue } from "../field-error.js";
import { entries } from "./kind-validator.js";
import { has } from "./schema.js";
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

/**
 * Rate-limit `clientSelectors` (BackendTrafficPolicy rules, QuotaPolicy bucket rules): what Envoy
 * Gateway's controller refuses when it translates them, and what aigw cannot select as written.
 * A header match of type Exact (the default) or RegularExpression needs a value, and the
 * expression must compile; a Distinct one takes neither a value nor `invert` (each value of the
 * header is its own bucket). `sourceCIDR.value` must be a CIDR, as Go's net.ParseCIDR reads it.
 */
export function checkClientSelectors(selectors: unknown, path: string, out: string[]): void {
  for (const [i, selector] of entries(selectors)) {
    for (const [j, header] of entries(selector.headers)) {
      const at = `${path}[${i}].headers[${j}]`;
      const type = header.type ?? "Exact";
      if (type === "Distinct") {
        if (header.invert === true) {
          out.push(invalidField(`${at}.invert`, true, "invert is not applicable to a Distinct header match"));
        }
        if (has(header, "value")) {
          const detail =
            "a Distinct header match takes no value: every value of the header counts in its own bucket";
          out.push(invalidField(`${at}.value`, header.value, detail));
        }
      } else if (!has(header, "value")) {
        out.push(`${requiredValue(`${at}.value`)}: a header match of type ${String(type)} needs a value`);
      } else if (type === "RegularExpression" && typeof header.value === "string") {
        checkRegex(header.value, `${at}.value`, out);
      }
    }
    const cidr = selector.sourceCIDR as Record<string, unknown> | undefined;
    if (typeof cidr?.value === "string") {
      const problem = cidrProblem(cidr.value);
      if (problem) out.push(invalidField(`${path}[${i}].sourceCIDR.value`, cidr.value, problem));
    }
    if (cidr?.invert === true) {
      // Ignoring it would limit exactly the clients the rule means to leave alone.
      const detail = "aigw does not support an inverted sourceCIDR match";
      out.push(invalidField(`${path}[${i}].sourceCIDR.invert`, true, detail));
    }
  }
}

/** Why `value` is not an `address/prefix` CIDR (IPv4 or IPv6), or undefined when it is one. */
export function cidrProblem(value: string): string | undefined {
  const [address = "", prefix, extra] = value.split("/");
  const bits = isIPv4(address) ? 32 : isIPv6(address) && !address.includes("%") ? 128 : undefined;
  if (
    bits === undefined ||
    prefix === undefined ||
    extra !== undefined ||
    !/^(0|[1-9][0-9]*)$/.test(prefix)
  ) {
    return "not a CIDR: an IPv4 or IPv6 address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32";
  }
  if (Number(prefix) > bits)
    return `the prefix length of an IPv${bits === 32 ? 4 : 6} CIDR is at most ${bits}`;
  return undefined;
}

/**
 * Warnings for the selector conditions aigw does not evaluate (it selects on headers and the
 * source address only): without them the rule selects more requests than written.
 */
export function selectorFieldsNotActedOn(selectors: unknown, path: string): string[] {
  const out: string[] = [];
  for (const [i, selector] of entries(selectors)) {
    for (const field of ["methods", "path", "queryParams"]) {
      if (!has(selector, field)) continue;
      const shown = Array.isArray(selector[field]) ? "array" : "object";
      const detail = "aigw selects on headers and sourceCIDR only; this condition is ignored";
      out.push(invalidField(`${path}[${i}].${field}`, shown, detail));
    }
  }
  return out;
}

/**
 * The syntax the MCP CEL environment (src/mcp/mcp-cel.ts) accepts: optional access
 * (`request.headers[?"x"].orValue("")`) included, as upstream's environment has it.
 */
const mcpCelSyntax = new Environment({ enableOptionalTypes: true });

/** CEL whose variables another module defines (MCP authorization, backend selection): syntax only. */
export function checkCelSyntax(expression: unknown, path: string, out: string[]): void {
  if (typeof expression !== "string") return;
  try {
    mcpCelSyntax.parse(expression);
  } catch (err) {
    out.push(invalidField(path, expression, `cannot parse CEL expression: ${firstLine(err)}`));
  }
}

/** cel-js messages continue with a source excerpt on further lines; a field error keeps one line. */
function firstLine(err: unknown): string {
  return ((err as Error).message ?? String(err)).split("\n")[0] ?? "";
}
