import type { IncomingHttpHeaders } from "node:http";
import { firstValue } from "../util/first-value.js";
import type { CompiledPool, ModelRewriteRule } from "./compiled-pool.js";

/** The request headers that name an InferenceObjective: the protocol's and llm-d's newer name. */
export const OBJECTIVE_HEADERS = ["x-gateway-inference-objective", "x-llm-d-inference-objective"] as const;

/** What one request to a pool is, before an endpoint is picked. */
export interface PoolRequest {
  /** The model the server is sent: the client's, or an InferenceModelRewrite target. */
  readonly model: string;
  /** The InferenceObjective the request named (undefined: none, or one this pool does not have). */
  readonly objective: string | undefined;
  /** The objective's priority; 0 without one. Negative: sheddable. */
  readonly priority: number;
}

/** Resolves the request's objective and model rewrite against the pool (once per request). */
export function poolRequestOf(
  pool: CompiledPool,
  model: string,
  headers: IncomingHttpHeaders,
  random: () => number = Math.random,
): PoolRequest {
  let objective: string | undefined;
  for (const name of OBJECTIVE_HEADERS) {
    const value = firstValue(headers[name]);
    if (value) {
      objective = value;
      break;
    }
  }
  const priority = objective === undefined ? undefined : pool.objectives.get(objective);
  return {
    model: rewriteModel(pool.rewrites, model, random),
    objective: priority === undefined ? undefined : objective,
    priority: priority ?? 0,
  };
}

/** The first rule that matches the model (rules come in precedence order) picks a weighted target. */
export function rewriteModel(
  rules: readonly ModelRewriteRule[],
  model: string,
  random: () => number,
): string {
  for (const rule of rules) {
    if (rule.matches.length > 0 && !rule.matches.includes(model)) continue;
    if (rule.targets.length === 0) return model;
    if (rule.targets.length === 1) return rule.targets[0]!.model;
    let total = 0;
    for (const t of rule.targets) total += t.weight;
    let point = random() * total;
    for (const t of rule.targets) {
      point -= t.weight;
      if (point < 0) return t.model;
    }
    return rule.targets[rule.targets.length - 1]!.model;
  }
  return model;
}
