import type { CounterStore } from "./counter-store.js";
import { MemoryCounterStore } from "./memory-counter-store.js";
import { RedisCounterStore } from "./redis-counter-store.js";

export interface OpenCounterStoreOptions {
  /** Where shared counters live; without one they live in this process. */
  readonly redisUrl?: string;
  /** What a Redis outage does to checks (default "open": admit unchecked). */
  readonly failMode?: "open" | "closed";
  readonly log: (line: string) => void;
}

/** The store for shared counters: Redis when a URL is configured, else this process's memory. */
export function openCounterStore(options: OpenCounterStoreOptions): CounterStore {
  if (!options.redisUrl) return new MemoryCounterStore();
  return new RedisCounterStore({ url: options.redisUrl, failMode: options.failMode, log: options.log });
}
