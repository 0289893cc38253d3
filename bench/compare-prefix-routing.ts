import { parseArgs } from "node:util";
import { startPoolReplicas } from "./pool-replicas.js";
import {
  runSharedPrefixWorkload,
  type SharedPrefixResult,
  type SharedPrefixWorkload,
} from "./shared-prefix-workload.js";

/**
 * The reference for the inference-pool benchmark: the shared-prefix workload against N simulated
 * replicas, routed client-side round-robin and then by group (group g to replica g mod N, what an
 * ideal prefix-aware picker does), each on freshly started replicas so neither inherits the other's
 * cache. Prints both results and the ratios as JSON. The defaults are the proposed benchmark.
 * Usage: node dist/bench/compare-prefix-routing.js [--replicas 4] [--concurrency 36] ...
 */
const { values } = parseArgs({
  options: {
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
  },
});
const simFlags = values["sim-flags"].split(/\s+/).filter(Boolean);
const replicas = Number(values.replicas);
const shape: Omit<SharedPrefixWorkload, "urls" | "routing"> = {
  concurrency: Number(values.concurrency),
  durationMs: Number(values["duration-ms"]),
  warmupMs: Number(values["warmup-ms"]),
  groups: Number(values.groups),
  prefixTokens: Number(values["prefix-tokens"]),
  questionTokens: Number(values["question-tokens"]),
  maxTokens: Number(values["max-tokens"]),
};

async function run(routing: "round-robin" | "by-group"): Promise<SharedPrefixResult> {
  const pool = await startPoolReplicas(replicas, simFlags);
  try {
    return await runSharedPrefixWorkload({ ...shape, urls: pool.urls, routing });
  } finally {
    await pool.stop();
  }
}

const roundRobin = await run("round-robin");
const byGroup = await run("by-group");
process.stdout.write(
  `${JSON.stringify(
    {
      simFlags: simFlags.join(" "),
      workload: shape,
      roundRobin,
      byGroup,
      p90TtftRatio: byGroup.ttftMs.p90 / roundRobin.ttftMs.p90,
      tokensPerSecondRatio: byGroup.outputTokensPerSecond / roundRobin.outputTokensPerSecond,
    },
    null,
    2,
  )}\n`,
);
