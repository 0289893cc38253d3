import type { CompiledBackend } from "../src/config/snapshot.js";
import type { CompiledPool } from "../src/inference/compiled-pool.js";
import { InferencePools } from "../src/inference/inference-pools.js";
import { DEFAULT_PICKER_SETTINGS } from "../src/inference/picker-settings.js";
import { hashPrefixBlocks } from "../src/util/prefix-hash.js";
import { type LatencySummary, summarize } from "./percentiles.js";

/**
 * What the built-in endpoint picker adds per request, in-process: 8 endpoints whose /metrics pages
 * (injected, answered at once, scraped every 50 ms as in production) keep every endpoint fresh, a
 * prefix index warmed with 20 shared 8 KB system prompts, then picks paced at `rate` per second for
 * `seconds`, each with an 8 KB prompt (a shared prefix and a question of its own), each sent and
 * finished a few dozen picks later as real requests are. Every pick() is timed with the monotonic
 * clock; the scrape loops run in the same thread between picks, as they do in the gateway. Also
 * times the prompt hashing alone on 16 KB prompts. Usage:
 * node dist/bench/picker-cost.js '<PickerCostJob JSON>'; prints one JSON line.
 */
export interface PickerCostJob {
  /** Picks per second. */
  rate: number;
  seconds: number;
  /** Picks before the measured ones (JIT, inline caches), after the index warm-up. */
  warmupPicks: number;
}

export interface PickerCostOutput {
  picks: number;
  /** µs per pick() call. */
  perPickUs: LatencySummary;
  /** µs to hash a 16 KB prompt into its blocks (256 blocks of 64 bytes). */
  hash16kUs: LatencySummary;
  /** How the measured picks were placed: address -> picks (a sanity check, not a result). */
  placed: Record<string, number>;
  /** CPU time this process used (user + system), seconds. */
  cpuSeconds: number;
}

const ENDPOINTS = 8;
const PREFIXES = 20;
const IN_FLIGHT = 32;

const job = JSON.parse(process.argv[2] ?? "") as PickerCostJob;

function page(i: number): string {
  const label = 'model_name="bench"';
  return [
    `vllm:num_requests_waiting{${label}} ${i % 3}`,
    `vllm:num_requests_running{${label}} ${4 + (i % 4)}`,
    `vllm:kv_cache_usage_perc{${label}} ${0.1 + i * 0.05}`,
    `vllm:cache_config_info{block_size="16",num_gpu_blocks="31250"} 1`,
    "",
  ].join("\n");
}

const addresses = Array.from({ length: ENDPOINTS }, (_, i) => `10.0.0.${i + 1}:8000`);
const pages = new Map(addresses.map((address, i) => [address, page(i)]));
const pool: CompiledPool = {
  key: "bench/pool",
  endpoints: addresses.map((address, i) => ({
    address,
    pod: `bench/pod-${i}`,
    engine: "vllm",
    backend: { key: `bench/pool@${address}` } as unknown as CompiledBackend,
  })),
  targetPorts: [8000],
  appProtocol: "http",
  failureMode: "FailClose",
  endpointPicker: { name: "bench-epp" },
  objectives: new Map(),
  rewrites: [],
  picker: DEFAULT_PICKER_SETTINGS,
};
const pools = new InferencePools({
  scrape: (address, path) =>
    path === "/metrics" ? Promise.resolve(pages.get(address)!) : Promise.resolve('{"data":[]}'),
  log: (line) => process.stderr.write(`${line}\n`),
});
pools.sync([pool]);
// Two scrape rounds, so every endpoint is fresh and the block size is tuned.
await new Promise((resolve) => setTimeout(resolve, 120));

const prefixes = Array.from({ length: PREFIXES }, (_, p) =>
  Buffer.from(
    `System prompt ${p}: ${"You answer questions about the code base carefully. ".repeat(160)}`.slice(
      0,
      8192,
    ),
  ),
);
let serial = 0;
function prompt(): Buffer {
  serial += 1;
  const question = Buffer.from(`Question ${serial}: what does function number ${serial * 7} do, and why?`);
  return Buffer.concat([prefixes[serial % PREFIXES]!, question]);
}

const inFlight: string[] = [];
const placed: Record<string, number> = {};
function onePick(samples: Float64Array | undefined, at: number): void {
  const input = { model: "bench", prompt: prompt(), priority: 0 };
  const start = process.hrtime.bigint();
  const outcome = pools.pick(pool, input);
  const end = process.hrtime.bigint();
  if (outcome.kind !== "picked") throw new Error(`the picker answered ${JSON.stringify(outcome)}`);
  if (samples) {
    samples[at] = Number(end - start) / 1e3;
    placed[outcome.endpoint.address] = (placed[outcome.endpoint.address] ?? 0) + 1;
  }
  pools.sent(pool, outcome.endpoint.address);
  inFlight.push(outcome.endpoint.address);
  if (inFlight.length > IN_FLIGHT) pools.finished(pool, inFlight.shift()!);
}

for (let i = 0; i < PREFIXES * 5 + job.warmupPicks; i++) onePick(undefined, 0);

// Paced: every millisecond tick, the picks owed since the start; the scrape loops run in between.
const total = Math.round(job.rate * job.seconds);
const samples = new Float64Array(total);
const begin = performance.now();
let done = 0;
while (done < total) {
  const owed = Math.min(total, Math.floor(((performance.now() - begin) * job.rate) / 1000));
  while (done < owed) onePick(samples, done++);
  await new Promise((resolve) => setTimeout(resolve, 1));
}

const hashSamples = new Float64Array(2000);
const big = Buffer.concat([prefixes[0]!, prefixes[1]!]);
const hashes = new Float64Array(256);
for (let i = 0; i < hashSamples.length + 200; i++) {
  const start = process.hrtime.bigint();
  hashPrefixBlocks("bench", big, 64, 256, hashes);
  const end = process.hrtime.bigint();
  if (i >= 200) hashSamples[i - 200] = Number(end - start) / 1e3;
}

await pools.close();
const cpu = process.cpuUsage();
const output: PickerCostOutput = {
  picks: total,
  perPickUs: summarize(samples),
  hash16kUs: summarize(hashSamples),
  placed,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
