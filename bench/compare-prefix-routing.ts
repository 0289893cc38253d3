import { parseArgs } from "node:util";
import { startPoolReplicas } from "./pool-replicas.js";
import { SHARED_PREFIX_OPTIONS, sharedPrefixParameters } from "./shared-prefix-flags.js";
import { runSharedPrefixWorkload, type SharedPrefixResult } from "./shared-prefix-workload.js";

/**
 * The reference for the inference-pool benchmark: the shared-prefix workload against N simulated
 * replicas, routed client-side round-robin and then by group (group g to replica g mod N, what an
 * ideal prefix-aware picker does), each on freshly started replicas so neither inherits the other's
 * cache. Prints both results and the ratios as JSON. The defaults are the proposed benchmark.
 * Usage: node dist/bench/compare-prefix-routing.js [--replicas 4] [--concurrency 36] ...
 */
const { replicas, simFlags, shape } = sharedPrefixParameters(
  parseArgs({ options: SHARED_PREFIX_OPTIONS }).values,
);

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
