import type { SharedPrefixWorkload } from "./shared-prefix-workload.js";

/**
 * The flags of the shared-prefix benchmarks (compare-prefix-routing.ts, inference-pool-bench.ts)
 * for util.parseArgs, whose defaults are the proposed inference-pool benchmark (docs/inference.md):
 * 4 replicas of 8 slots and 8,192 tokens of KV cache each, 36 clients (1.125x the slots), 8 groups
 * of 2,560-token prefixes (2.5x one replica's cache, 0.63x the pool's).
 */
export const SHARED_PREFIX_OPTIONS = {
  replicas: { type: "string", default: "4" },
  concurrency: { type: "string", default: "36" },
  "duration-ms": { type: "string", default: "20000" },
  "warmup-ms": { type: "string", default: "5000" },
  groups: { type: "string", default: "8" },
  "prefix-tokens": { type: "string", default: "2560" },
  "question-tokens": { type: "string", default: "64" },
  "max-tokens": { type: "string", default: "32" },
  "sim-flags": {
    type: "string",
    default:
      "--max-num-seqs 8 --kv-cache-blocks 512 --prefill-overhead-ms 20 --prefill-ms-per-token 0.2 --itl-ms 10 --jitter 0.1 --time-factor-under-load 1.5",
  },
} as const;

type FlagValues = { readonly [K in keyof typeof SHARED_PREFIX_OPTIONS]: string };

export interface SharedPrefixParameters {
  readonly replicas: number;
  readonly simFlags: readonly string[];
  readonly shape: Omit<SharedPrefixWorkload, "urls" | "routing">;
}

/** The parsed flags; a count that is not a positive number is an error naming the flag. */
export function sharedPrefixParameters(values: FlagValues): SharedPrefixParameters {
  const count = (flag: keyof FlagValues): number => {
    const value = Number(values[flag]);
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`--${flag}: expected a positive number, got "${values[flag]}"`);
    }
    return value;
  };
  return {
    replicas: count("replicas"),
    simFlags: values["sim-flags"].split(/\s+/).filter(Boolean),
    shape: {
      concurrency: count("concurrency"),
      durationMs: count("duration-ms"),
      warmupMs: Number(values["warmup-ms"]),
      groups: count("groups"),
      prefixTokens: count("prefix-tokens"),
      questionTokens: count("question-tokens"),
      maxTokens: count("max-tokens"),
    },
  };
}
