import type { JWTPayload } from "jose";
import { claimAt, claimPath } from "../auth/claims.js";
import type { McpAccess, McpCaller, McpRefusal, McpToolRequest } from "./mcp-access.js";
import { compileMcpCel, type McpCelPredicate, type McpCelTarget } from "./mcp-cel.js";
import { prefixName } from "./mcp-names.js";
import type { McpAuthorizationRuleSpec, McpAuthorizationSpec } from "./mcp-security-spec.js";
import type { OAuthChallenges } from "./protected-resource-metadata.js";

/** What a rule's CEL sees as `request.mcp.method`: every check asks whether the tool may be called. */
const CALL_METHOD = "tools/call";

interface CompiledClaim {
  readonly path: readonly string[];
  readonly list: boolean;
  readonly values: ReadonlySet<string>;
}

interface CompiledRule {
  readonly allow: boolean;
  readonly cel: McpCelPredicate | undefined;
  /** backend -> its tools the rule targets; undefined targets every tool. */
  readonly targets: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  /** undefined: any caller. */
  readonly source:
    | { readonly claims: readonly CompiledClaim[]; readonly scopes: readonly string[] }
    | undefined;
  /** The 403 naming this rule's scopes, for an Allow rule a caller matched but for its scopes. */
  readonly stepUp: McpRefusal | undefined;
}

const DENIED: McpRefusal = Object.freeze({
  status: 403,
  message: "access denied",
  headers: Object.freeze({}),
});

/**
 * `securityPolicy.authorization`, compiled: upstream's evaluation, rule by rule in order. A rule
 * applies when its CEL holds (an error is no match), it targets the tool (no target: every
 * tool), and its source matches (no source: any caller; else every claim has one of its values
 * and the token has every scope). The first rule that applies decides (Allow or Deny); none
 * applying, `defaultAction` (Deny unless set). A refusal after an Allow rule matched all but
 * the scopes is a 403 `insufficient_scope` naming that rule's scopes (the smallest such set when
 * several, the first among equals, as upstream picks), so the client can step up. Without
 * `authorization` every call is allowed.
 */
export function compileMcpAuthorization(
  spec: McpAuthorizationSpec | undefined,
  challenges: OAuthChallenges | undefined,
  warn: (message: string) => void,
): McpAccess["checkTool"] {
  if (!spec) return () => undefined;
  const rules = (spec.rules ?? []).map((rule, i) =>
    compileRule(rule, `spec.securityPolicy.authorization.rules[${i}]`, challenges, warn),
  );
  const allowByDefault = spec.defaultAction === "Allow";
  return (caller, request) => {
    let stepUp: CompiledRule | undefined;
    let target: McpCelTarget | undefined;
    for (const rule of rules) {
      if (rule.targets && !rule.targets.get(request.backend)?.has(request.tool)) continue;
      if (rule.cel) {
        target ??= celTarget(request);
        if (!rule.cel(caller, request.req, target)) continue;
      }
      if (!rule.source) return decide(rule.allow);
      if (!claimsHold(rule.source.claims, caller)) continue;
      if (rule.source.scopes.every((scope) => caller.scopes.has(scope))) return decide(rule.allow);
      if (rule.stepUp && (!stepUp || rule.source.scopes.length < stepUp.source!.scopes.length)) stepUp = rule;
    }
    if (allowByDefault) return undefined;
    return stepUp?.stepUp ?? DENIED;
  };
}

function decide(allow: boolean): McpRefusal | undefined {
  return allow ? undefined : DENIED;
}

function celTarget(request: McpToolRequest): McpCelTarget {
  return {
    method: CALL_METHOD,
    backend: request.backend,
    tool: request.tool,
    params:
      request.arguments === undefined
        ? null
        : { name: prefixName(request.backend, request.tool), arguments: request.arguments },
  };
}

function compileRule(
  rule: McpAuthorizationRuleSpec,
  path: string,
  challenges: OAuthChallenges | undefined,
  warn: (message: string) => void,
): CompiledRule {
  const allow = rule.action !== "Deny";
  const expression = rule.cel?.trim();
  let targets: Map<string, Set<string>> | undefined;
  if (rule.target) {
    targets = new Map();
    for (const { backend, tool } of rule.target.tools) {
      let tools = targets.get(backend);
      if (!tools) {
        tools = new Set();
        targets.set(backend, tools);
      }
      tools.add(tool);
    }
  }
  const jwt = rule.source?.jwt;
  const source = jwt && {
    claims: (jwt.claims ?? []).map((claim) => ({
      path: claimPath(claim.name),
      list: claim.valueType === "StringArray",
      values: new Set(claim.values),
    })),
    scopes: jwt.scopes ?? [],
  };
  const stepUp =
    allow && challenges && source && source.scopes.length > 0
      ? Object.freeze({
          status: 403,
          message: `access denied: the call needs the scopes ${source.scopes.join(" ")}`,
          headers: Object.freeze({ "www-authenticate": challenges.insufficientScope(source.scopes) }),
        })
      : undefined;
  return {
    allow,
    cel: expression ? compileMcpCel(expression, `${path}.cel`, warn) : undefined,
    targets,
    source,
    stepUp,
  };
}

/**
 * Every claim has one of its values, as upstream compares them: a String claim must be a string
 * among them; a StringArray claim must hold one of them, or be one of them as a lone string.
 */
function claimsHold(claims: readonly CompiledClaim[], caller: McpCaller): boolean {
  for (const claim of claims) {
    const value = claimAt(caller.claims as JWTPayload, claim.path);
    const held =
      typeof value === "string"
        ? claim.values.has(value)
        : claim.list &&
          Array.isArray(value) &&
          value.some((v) => typeof v === "string" && claim.values.has(v));
    if (!held) return false;
  }
  return true;
}
