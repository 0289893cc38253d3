import type { RequestPolicy } from "../gateway/request-policy.js";
import { type BackendQuotas, compileQuotaPolicies } from "../limits/compile-quota-policies.js";
import { compileRateLimit, type RateLimitSpec } from "../limits/compile-rate-limit.js";
import type { CostCalculator } from "../limits/compute-costs.js";
import type { PriceTable } from "../limits/price-table.js";
import type { RateLimitRule } from "../limits/rate-limit-rule.js";
import { type LimitStores, TokenLimitPolicy } from "../limits/token-limit-policy.js";
import type { AppliedPolicy } from "./compile-traffic-policies.js";
import { AIGW_GROUP, groupOf } from "./resource.js";
import { namespaceOf, type ResourceIndex } from "./resource-index.js";

/** aigw's extension (an annotation, so the spec stays Envoy Gateway's): the admission estimate. */
export const ADMISSION_ESTIMATE_ANNOTATION = "aigw/admission-estimate";

/** The request policies of one route: its token limits and quotas, or nothing. */
export type LimitPoliciesOf = (
  routeKey: string,
  namespace: string,
  name: string,
  computeCosts: CostCalculator,
  backendKeys: ReadonlySet<string>,
) => RequestPolicy[];

/**
 * Token rate limits (the rateLimit of the BackendTrafficPolicy that applies to each route) and
 * QuotaPolicies, compiled once per snapshot into a TokenLimitPolicy per route that has any. The
 * counters live in `stores`, which outlive snapshots: a reload keeps what was spent.
 */
export function compileLimits(
  index: ResourceIndex,
  appliedPolicyOf: (namespace: string, name: string) => AppliedPolicy | undefined,
  stores: LimitStores,
  prices: PriceTable | undefined,
): LimitPoliciesOf {
  const quotas = compileQuotaPolicies(
    index
      .list("QuotaPolicy")
      .filter((p) => groupOf(p.apiVersion) === AIGW_GROUP)
      .map((p) => ({
        key: `${namespaceOf(p)}/${p.metadata.name}`,
        namespace: namespaceOf(p),
        spec: p.spec ?? {},
      })),
    prices,
  );
  const rulesOf = new Map<AppliedPolicy, RateLimitRule[]>();
  return (routeKey, namespace, name, computeCosts, backendKeys) => {
    const applied = appliedPolicyOf(namespace, name);
    let rateRules: RateLimitRule[] = [];
    if (applied?.spec.rateLimit) {
      rateRules =
        rulesOf.get(applied) ?? compileRateLimit(applied.spec.rateLimit as RateLimitSpec, applied.source);
      rulesOf.set(applied, rateRules);
    }
    const routeQuotas = new Map<string, BackendQuotas>();
    for (const key of backendKeys) {
      const q = quotas.get(key);
      if (q) routeQuotas.set(key, q);
    }
    if (rateRules.length === 0 && routeQuotas.size === 0) return [];
    const estimated = applied?.policy.metadata.annotations?.[ADMISSION_ESTIMATE_ANNOTATION] === "true";
    return [
      new TokenLimitPolicy(routeKey, {
        rateRules,
        quotas: routeQuotas,
        stores,
        estimate: estimated ? { computeCosts, routeKey } : undefined,
      }),
    ];
  };
}
