import type { CompiledBackendRef, CompiledRule } from "../config/snapshot.js";

/**
 * Weighted random choice within the lowest priority tier that has any backend. Later tiers are
 * failover targets (the failover machinery comes with retries).
 */
export function pickBackend(
  rule: CompiledRule,
  random: () => number = Math.random,
): CompiledBackendRef | undefined {
  const tier = rule.tiers[0];
  if (!tier || tier.length === 0) return undefined;
  if (tier.length === 1) return tier[0];
  let total = 0;
  for (const ref of tier) total += ref.weight;
  let point = random() * total;
  for (const ref of tier) {
    point -= ref.weight;
    if (point < 0) return ref;
  }
  return tier[tier.length - 1];
}
