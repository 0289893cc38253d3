import type { RuntimeSnapshot } from "./snapshot.js";

/**
 * Every AIServiceBackend ("namespace/name") the snapshot's rules send to, pool fallbacks included,
 * once each in configuration order; pool endpoints are not AIServiceBackends (see poolsOf). A backend
 * that no route refers to is not compiled, so it is not here.
 */
export function aiServiceBackendsOf(snapshot: RuntimeSnapshot): string[] {
  return [...backendKeys(snapshot, false)];
}

/**
 * The keys of every backend with state of its own (health, the console's counts): the
 * AIServiceBackends and each InferencePool endpoint, whose ejections survive a reload that keeps it.
 */
export function backendKeysOf(snapshot: RuntimeSnapshot): Set<string> {
  return backendKeys(snapshot, true);
}

function backendKeys(snapshot: RuntimeSnapshot, poolEndpoints: boolean): Set<string> {
  const keys = new Set<string>();
  for (const route of snapshot.routes) {
    for (const rule of route.rules) {
      for (const tier of rule.tiers) for (const ref of tier) keys.add(ref.backend.key);
      if (poolEndpoints) for (const endpoint of rule.pool?.endpoints ?? []) keys.add(endpoint.backend.key);
    }
  }
  return keys;
}
