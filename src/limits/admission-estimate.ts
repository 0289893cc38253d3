import type { AdmissionContext } from "../gateway/request-policy.js";
import { emptyUsage } from "../usage/token-usage.js";
import type { CostCalculator } from "./compute-costs.js";
import type { CostSource } from "./rate-limit-rule.js";

/**
 * aigw's admission estimate (annotation `aigw/admission-estimate: "true"` on the policy): before a
 * request is sent, its cost is estimated from its input (about 4 characters a token) and its
 * `max_tokens`, so a request that alone would overshoot what is left of a budget is refused at once
 * instead of after the upstream spent it. Off by default, as in the original.
 */
export interface AdmissionEstimate {
  /** The route's cost calculator (llmRequestCosts), evaluated on the estimated usage. */
  readonly computeCosts: CostCalculator;
  readonly routeKey: string;
}

/** Characters per token for the estimate: the usual rule of thumb for English text and JSON. */
const CHARS_PER_TOKEN = 4;

export function estimateCost(estimate: AdmissionEstimate, source: CostSource, ctx: AdmissionContext): number {
  if (source.from === "Number") return source.number;
  const usage = emptyUsage();
  usage.inputTokens = Math.ceil(ctx.call.raw.length / CHARS_PER_TOKEN);
  usage.outputTokens = maxOutputTokens(ctx.call.body);
  usage.totalTokens = usage.inputTokens + usage.outputTokens;
  const costs = estimate.computeCosts({
    model: ctx.call.model,
    backend: "",
    route_name: estimate.routeKey,
    usage,
  });
  return costs[source.key] ?? 0;
}

/** The request's own bound on its answer, in the field its API uses; 0 when it sets none. */
function maxOutputTokens(body: Record<string, unknown>): number {
  for (const field of ["max_tokens", "max_completion_tokens", "max_output_tokens"]) {
    const value = body[field];
    if (typeof value === "number" && Number.isFinite(value) && value > 0) return Math.floor(value);
  }
  return 0;
}
