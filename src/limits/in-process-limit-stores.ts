import { MemoryCounterStore } from "./memory-counter-store.js";
import type { LimitStores } from "./token-limit-policy.js";

/** The embedded default: every counter in this process (exact within it). */
export function inProcessLimitStores(): LimitStores {
  const store = new MemoryCounterStore();
  return { local: store, shared: store };
}
