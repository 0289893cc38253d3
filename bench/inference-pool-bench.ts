import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  binNodeFlags,
  CLIENT_CPUS,
  freePort,
  GATEWAY_BIN,
  PINNED,
  SERVER_CPUS,
  startServer,
} from "./bench-processes.js";
import type { InferencePoolResults } from "./bench-results.js";
import { poolGatewayYaml } from "./pool-gateway-config.js";
import { startPoolReplicas } from "./pool-replicas.js";
import { SHARED_PREFIX_OPTIONS, sharedPrefixParameters } from "./shared-prefix-flags.js";
import { runSharedPrefixWorkload, type SharedPrefixResult } from "./shared-prefix-workload.js";

/**
 * Issue 13's performance budget: the shared-prefix workload (compare-prefix-routing.ts's defaults)
 * through `aigw run` to simulated replicas of one InferencePool, first with the built-in picker's
 * defaults, then with an EndpointPickerConfig choosing `round-robin-picker`; each configuration on
 * freshly started replicas, so neither inherits the other's cache, and its own gateway process.
 * Prints one JSON document (InferencePoolResults). `--quick` shortens the warm-up and the window.
 * Usage: node dist/bench/inference-pool-bench.js [--quick] [--settle-ms 300] [--replicas 4] ...
 */
const { values } = parseArgs({
  options: {
    ...SHARED_PREFIX_OPTIONS,
    "settle-ms": { type: "string", default: "300" },
    quick: { type: "boolean", default: false },
  },
});
const parameters = sharedPrefixParameters(values);
const { replicas, simFlags } = parameters;
const shape = values.quick ? { ...parameters.shape, durationMs: 6000, warmupMs: 3000 } : parameters.shape;
const settleMs = Number(values["settle-ms"]);
const MODEL = "sim-model";
const PROBE = {
  path: "/v1/chat/completions",
  body: JSON.stringify({ model: MODEL, max_tokens: 1, messages: [{ role: "user", content: "Hi" }] }),
};

function log(line: string): void {
  process.stderr.write(`inference-pool-bench: ${line}\n`);
}

async function run(picker: "built-in" | "round-robin"): Promise<SharedPrefixResult> {
  const port = await freePort();
  const pool = await startPoolReplicas(replicas, simFlags, port, CLIENT_CPUS);
  const dir = mkdtempSync(join(tmpdir(), "aigw-pool-bench-"));
  try {
    const file = join(dir, "gateway.yaml");
    writeFileSync(file, poolGatewayYaml({ port, replicas, model: MODEL, picker }));
    const gatewayPort = await freePort();
    const adminPort = await freePort();
    const gateway = await startServer(
      `gateway (${picker} picker)`,
      [
        ...binNodeFlags(GATEWAY_BIN),
        GATEWAY_BIN,
        "run",
        file,
        "--port",
        String(gatewayPort),
        "--admin-port",
        String(adminPort),
        "--host",
        "127.0.0.1",
        "--ledger",
        "off",
      ],
      gatewayPort,
      SERVER_CPUS,
      { ...process.env, AIGW_DATA_HOME: dir },
      PROBE,
    );
    try {
      // The first scrapes: until then every endpoint ranks as stale.
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      log(`${picker} picker: ${shape.warmupMs} ms warm-up, ${shape.durationMs} ms measured`);
      return await runSharedPrefixWorkload({ ...shape, model: MODEL, urls: [gateway.origin] });
    } finally {
      await gateway.stop();
    }
  } finally {
    await pool.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const picker = await run("built-in");
const roundRobin = await run("round-robin");
const results: InferencePoolResults = {
  replicas,
  simFlags: simFlags.join(" "),
  workload: shape,
  settleMs,
  pinning: PINNED
    ? "taskset: the gateway on core 1, the replicas on core 0 (with the client when run-bench pins it)"
    : "none",
  picker,
  roundRobin,
  p90TtftRatio: picker.ttftMs.p90 / roundRobin.ttftMs.p90,
  tokensPerSecondRatio: picker.outputTokensPerSecond / roundRobin.outputTokensPerSecond,
  errors: { picker: picker.errors, roundRobin: roundRobin.errors },
};
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
