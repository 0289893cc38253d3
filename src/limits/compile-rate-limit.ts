import {
  type ClientSelectorSpec,
  compileClientSelectors,
  selectsCredential,
  selectsDistinct,
} from "./client-selector.js";
import { WINDOW_MS, type WindowUnit } from "./fixed-window.js";
import type { CostSource, RateLimitRule } from "./rate-limit-rule.js";

/** The namespace Envoy AI Gateway writes its costs to, and the only one aigw produces. */
export const AI_GATEWAY_METADATA_NAMESPACE = "io.envoy.ai_gateway";

interface CostSpec {
  from?: "Number" | "Metadata";
  number?: number;
  metadata?: { namespace?: string; key?: string };
}

interface RuleSpec {
  clientSelectors?: ClientSelectorSpec[];
  limit?: { requests?: number; unit?: WindowUnit };
  cost?: { request?: CostSpec; response?: CostSpec };
  shared?: boolean;
}

export interface RateLimitSpec {
  type?: "Global" | "Local";
  global?: { rules?: RuleSpec[] };
  local?: { rules?: RuleSpec[] };
}

/**
 * A BackendTrafficPolicy's `rateLimit` (validated) as rules. `policyKey` is "namespace/name"; rule
 * ids and counter keys are derived from it and the rule's position, so two replicas with the same
 * configuration count in the same Redis keys.
 */
export function compileRateLimit(spec: RateLimitSpec, policyKey: string): RateLimitRule[] {
  const local =
    spec.type === "Local" || (spec.type === undefined && spec.local !== undefined && !spec.global);
  const rules = (local ? spec.local?.rules : spec.global?.rules) ?? [];
  const kind = local ? "local" : "global";
  return rules.map((rule, i) => {
    const unit = rule.limit?.unit ?? "Second";
    return Object.freeze({
      id: `BackendTrafficPolicy ${policyKey} rateLimit.${kind}.rules[${i}]`,
      keyPrefix: `aigw:rl:${policyKey}:${kind}:${i}:`,
      select: compileClientSelectors(rule.clientSelectors),
      limit: rule.limit?.requests ?? 0,
      windowMs: WINDOW_MS[unit] ?? WINDOW_MS.Second,
      shadow: false,
      distinct: selectsDistinct(rule.clientSelectors),
      credentialBucket: selectsCredential(rule.clientSelectors),
      requestCost: costSource(rule.cost?.request, 1),
      responseCost: costSource(rule.cost?.response, 0),
      shared: rule.shared === true,
      local,
    });
  });
}

function costSource(spec: CostSpec | undefined, fallback: number): CostSource {
  if (spec?.from === "Metadata" && spec.metadata?.key) return { from: "Metadata", key: spec.metadata.key };
  if (spec?.from === "Number") return { from: "Number", number: spec.number ?? 0 };
  return { from: "Number", number: fallback };
}
