import type { ClientSelector } from "./client-selector.js";

/** Where a rule's cost comes from: a fixed number, or a cost key of the route's llmRequestCosts. */
export type CostSource =
  | { readonly from: "Number"; readonly number: number }
  | { readonly from: "Metadata"; readonly key: string };

/** One Envoy Gateway rate-limit rule or QuotaPolicy bucket, compiled: who it selects and its window. */
export interface LimitRule {
  /** Names the rule in 429 answers and logs: "BackendTrafficPolicy default/limits rules[0]". */
  readonly id: string;
  /** The start of its counters' keys; the route (unless shared), distinct values and window follow. */
  readonly keyPrefix: string;
  readonly select: ClientSelector;
  readonly limit: number;
  readonly windowMs: number;
  /** Counted and reported, never a reason to refuse (QuotaPolicy shadowMode). */
  readonly shadow: boolean;
  /** One bucket per client value (selectsDistinct), not one for every selected request. */
  readonly distinct: boolean;
  /** Its distinct values may hold a credential (selectsCredential): records show a hash of them. */
  readonly credentialBucket?: boolean;
}

/** A BackendTrafficPolicy `rateLimit` rule: a LimitRule with costs on both sides of the request. */
export interface RateLimitRule extends LimitRule {
  /** Charged when the request is admitted (Envoy Gateway's default: 1, so a rule without costs counts requests). */
  readonly requestCost: CostSource;
  /** Charged when the answer is done (default 0). */
  readonly responseCost: CostSource;
  /** One bucket for every route the policy applies to, instead of one per route. */
  readonly shared: boolean;
  /** `type: Local`: counted in this process even when the gateway shares counters in Redis. */
  readonly local: boolean;
}

/** The value of a cost source for a finished request (metadata: the request's computed costs). */
export function costOf(source: CostSource, costs: Readonly<Record<string, number>> | undefined): number {
  if (source.from === "Number") return source.number;
  return costs?.[source.key] ?? 0;
}
