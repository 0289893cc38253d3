import type { CompiledRoute } from "../config/snapshot.js";
import type { LimitRule, RateLimitRule } from "../limits/rate-limit-rule.js";
import { TokenLimitPolicy } from "../limits/token-limit-policy.js";

/** A token rate-limit rule or a quota bucket that the served configuration counts. */
export type ServedLimitRule =
  | { readonly kind: "rate_limit"; readonly rule: RateLimitRule }
  /** A quota belongs to a backend: one QuotaPolicy aimed at two backends counts each apart. */
  | { readonly kind: "quota"; readonly rule: LimitRule; readonly backend: string };

/**
 * Every rate-limit rule and quota bucket of the routes' TokenLimitPolicies, in configuration order:
 * the rate-limit rules route by route, then the quotas, backend by backend (per model, then the
 * service quota). Snapshots compile no list of their own, so it is read off the policies: a
 * BackendTrafficPolicy on several routes (or a backend on several routes) is listed once.
 */
export function servedLimitRules(routes: readonly CompiledRoute[]): ServedLimitRule[] {
  const rates: ServedLimitRule[] = [];
  const quotas: ServedLimitRule[] = [];
  // The policy's own id and key prefix: a rule compiled again for another route is the same rule.
  const seen = new Set<string>();
  const first = (rule: LimitRule): boolean => {
    const identity = `${rule.id}\n${rule.keyPrefix}`;
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  };
  for (const route of routes) {
    for (const policy of route.policies) {
      if (!(policy instanceof TokenLimitPolicy)) continue;
      for (const rule of policy.setup.rateRules) if (first(rule)) rates.push({ kind: "rate_limit", rule });
      for (const [backend, backendQuotas] of policy.setup.quotas) {
        for (const set of [...backendQuotas.perModel.values(), backendQuotas.service]) {
          for (const rule of set?.rules ?? []) if (first(rule)) quotas.push({ kind: "quota", rule, backend });
        }
      }
    }
  }
  return [...rates, ...quotas];
}
