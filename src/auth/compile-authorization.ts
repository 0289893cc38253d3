import { MODEL_HEADER } from "../config/compile-routes.js";
import { clientAddressOf, compileCidrs } from "../limits/client-selector.js";
import { firstValue } from "../util/first-value.js";
import type { AuthRequest } from "./auth-policy.js";
import { claimAt, claimPath } from "./claims.js";
import type { VerifiedToken } from "./jwt-auth.js";
import type { AuthorizationRuleSpec, AuthorizationSpec } from "./security-policy-spec.js";

/** Whether `authorization` allows the request; `token` is the JWT the policy verified, if any. */
export type Authorize = (request: AuthRequest, token: VerifiedToken | undefined) => boolean;

type Condition = (request: AuthRequest, token: VerifiedToken | undefined) => boolean;

interface CompiledRule {
  readonly allow: boolean;
  readonly conditions: readonly Condition[];
}

/**
 * Envoy Gateway's `authorization`, compiled: rules in order, the first whose principal matches
 * decides (Allow or Deny); none matching, `defaultAction` (Deny when unset). Within a principal
 * every kind given must match (clientCIDRs: any range; jwt: all claims and scopes; headers: every
 * header, each with any of its values). `x-ai-eg-model` is the body's model, which the gateway
 * sets before authorization, so a rule on it limits who may use which models.
 */
export function compileAuthorization(spec: AuthorizationSpec): Authorize {
  const rules = (spec.rules ?? []).map(compileRule);
  const byDefault = spec.defaultAction === "Allow";
  return (request, token) => {
    for (const rule of rules) if (holdsAll(rule.conditions, request, token)) return rule.allow;
    return byDefault;
  };
}

function holdsAll(
  conditions: readonly Condition[],
  request: AuthRequest,
  token: VerifiedToken | undefined,
): boolean {
  for (const holds of conditions) if (!holds(request, token)) return false;
  return true;
}

function compileRule(rule: AuthorizationRuleSpec): CompiledRule {
  const conditions: Condition[] = [];
  const principal = rule.principal ?? {};
  if (principal.clientCIDRs && principal.clientCIDRs.length > 0) {
    const inRange = compileCidrs(principal.clientCIDRs);
    conditions.push((request) => {
      const ip = clientAddressOf(request.clientAddress);
      return ip !== undefined && inRange(ip);
    });
  }
  if (principal.jwt) conditions.push(compileJwtPrincipal(principal.jwt));
  for (const header of principal.headers ?? []) {
    const name = header.name.toLowerCase();
    const values = new Set(header.values);
    conditions.push((request) => {
      const value = name === MODEL_HEADER ? request.model : firstValue(request.headers[name]);
      return value !== undefined && values.has(value);
    });
  }
  return { allow: rule.action === "Allow", conditions };
}

type JwtPrincipal = NonNullable<NonNullable<AuthorizationRuleSpec["principal"]>["jwt"]>;

/** The token of provider `provider`: every claim with one of its values, and every scope. */
function compileJwtPrincipal(jwt: JwtPrincipal): Condition {
  const claims = (jwt.claims ?? []).map((claim) => ({
    path: claimPath(claim.name),
    list: claim.valueType === "StringArray",
    values: new Set(claim.values),
  }));
  const scopes = jwt.scopes ?? [];
  return (_request, token) => {
    if (token === undefined || token.provider.name !== jwt.provider) return false;
    for (const claim of claims) {
      const value = claimAt(token.claims, claim.path);
      const matched = claim.list
        ? Array.isArray(value) && value.some((v) => typeof v === "string" && claim.values.has(v))
        : typeof value === "string" && claim.values.has(value);
      if (!matched) return false;
    }
    return scopes.every((scope) => token.scopes.has(scope));
  };
}
