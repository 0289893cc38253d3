import type { CompiledPool } from "../inference/compiled-pool.js";
import type { RuntimeSnapshot } from "./snapshot.js";

/** Every InferencePool some rule of the snapshot sends to, once each (the picker scrapes these). */
export function poolsOf(snapshot: RuntimeSnapshot): CompiledPool[] {
  const byKey = new Map<string, CompiledPool>();
  for (const route of snapshot.routes) {
    for (const rule of route.rules) if (rule.pool) byKey.set(rule.pool.key, rule.pool);
  }
  return [...byKey.values()];
}
