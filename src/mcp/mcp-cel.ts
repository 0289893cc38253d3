import type { IncomingMessage } from "node:http";
import { Environment } from "@marcbachmann/cel-js";
import type { McpCaller } from "./mcp-access.js";

/**
 * CEL for MCPRoute authorization rules and backendSelector, with upstream's one variable
 * `request` (dynamic):
 *   request.method, request.host, request.path (no query), request.headers (lower-case names,
 *   first value), request.headers_all (lower-case names, every value), request.auth.jwt.claims
 *   (the verified token's claims but `scope` / `scp`), request.auth.jwt.scopes (a list),
 *   request.mcp.method / backend / tool / params.
 * Optional chaining (`request.headers[?"x"].orValue("")`) is on, as upstream's environment has it.
 */
const environment = new Environment({ enableOptionalTypes: true }).registerVariable("request", "dyn");

/** What `request.mcp` holds for one evaluation. */
export interface McpCelTarget {
  readonly method: string;
  readonly backend: string;
  readonly tool: string;
  readonly params: unknown;
}

/** Whether the expression holds for the caller's request about `target`; an error or non-bool is false. */
export type McpCelPredicate = (caller: McpCaller, req: IncomingMessage, target: McpCelTarget) => boolean;

/**
 * Compiles the expression at `path` at configuration time: throws an Error naming the path when
 * it does not parse or cannot yield a bool. At request time an evaluation error (a missing header
 * or claim, a wrong type) is a non-match, as upstream has it; `warn` hears about the first one
 * only, since a rule reading an optional header fails the same way on every request without it.
 */
export function compileMcpCel(
  expression: string,
  path: string,
  warn: (message: string) => void,
): McpCelPredicate {
  let program: ReturnType<typeof environment.parse>;
  try {
    program = environment.parse(expression);
  } catch (err) {
    throw new Error(`${path}: ${firstLine(err)}`);
  }
  const checked = program.check();
  if (!checked.valid) throw new Error(`${path}: ${firstLine(checked.error)}`);
  if (checked.type !== "bool" && checked.type !== "dyn") {
    throw new Error(`${path}: must evaluate to a bool, not ${checked.type}`);
  }
  let reported = false;
  return (caller, req, target) => {
    try {
      return program({ request: { ...requestVariables(caller, req), mcp: target } }) === true;
    } catch (err) {
      if (!reported) {
        reported = true;
        warn(`${path} failed (a failure is no match; further ones are not reported): ${firstLine(err)}`);
      }
      return false;
    }
  };
}

/** cel-js messages continue with a source excerpt on further lines. */
function firstLine(err: unknown): string {
  return ((err as Error | undefined)?.message ?? String(err)).split("\n")[0] ?? "";
}

interface RequestVariables {
  readonly caller: McpCaller;
  readonly variables: Readonly<Record<string, unknown>>;
}

/**
 * The request's variables but `mcp`, built once per request (tools/list checks every tool with
 * the same request) and dropped with it.
 */
const built = new WeakMap<IncomingMessage, RequestVariables>();

function requestVariables(caller: McpCaller, req: IncomingMessage): Readonly<Record<string, unknown>> {
  const cached = built.get(req);
  if (cached?.caller === caller) return cached.variables;
  const headers: Record<string, string> = {};
  const headersAll: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values || values.length === 0) continue;
    headers[name] = values[0]!;
    headersAll[name] = values;
  }
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const { scope: _scope, scp: _scp, ...claims } = caller.claims;
  const variables = Object.freeze({
    method: req.method ?? "",
    host: req.headers.host ?? "",
    headers,
    headers_all: headersAll,
    path: query < 0 ? url : url.slice(0, query),
    auth: { jwt: { claims, scopes: [...caller.scopes] } },
  });
  built.set(req, { caller, variables });
  return variables;
}
