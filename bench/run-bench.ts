import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  BENCH_DIST,
  binNodeFlags,
  canPin,
  freePort,
  REPO_ROOT,
  runLoad,
  type ServerProcess,
  startServer,
} from "./bench-processes.js";
import type { BenchResults, MemorySample, TargetName, TargetRun } from "./bench-results.js";
import type { LoadJob } from "./load-job.js";
import { loadAverage, machineInfo } from "./machine-info.js";
import { cpuSeconds, machineBusySeconds, residentBytes } from "./process-stats.js";
import { renderReport } from "./render-report.js";
import { summarizeCpuProfile } from "./summarize-cpu-profile.js";

/**
 * `npm run bench`: the gateway against the budgets, side by side with the client talking to the
 * simulator directly and through a minimal Node proxy, all in one run on loopback. Every server
 * and the load generator run in their own processes; with two or more cores the proxy/gateway get
 * core 1 to themselves and the client shares core 0 with the simulator.
 */
const { values } = parseArgs({
  options: {
    "duration-seconds": { type: "string", default: "10" },
    "warmup-seconds": { type: "string", default: "2" },
    "soak-seconds": { type: "string", default: "300" },
    rate: { type: "string", default: "1000" },
    connections: { type: "string", default: "32" },
    rounds: { type: "string", default: "3" },
    "max-other-cpu": { type: "string", default: "0.25" },
    retries: { type: "string", default: "3" },
    "gateway-args": { type: "string", default: "" },
    out: { type: "string" },
    "profile-dir": { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const quick = values.quick;
const settings = {
  rounds: quick ? 1 : Number(values.rounds),
  durationSeconds: quick ? 2 : Number(values["duration-seconds"]),
  warmupSeconds: quick ? 1 : Number(values["warmup-seconds"]),
  soakSeconds: quick ? 10 : Number(values["soak-seconds"]),
  rate: Number(values.rate),
  connections: Number(values.connections),
  maxOtherCpu: Number(values["max-other-cpu"]),
  retries: quick ? 0 : Number(values.retries),
  gatewayArgs: values["gateway-args"].split(" ").filter((arg) => arg !== ""),
};

/** With --profile-dir, the proxy and the gateway write V8 CPU profiles there when they stop. */
const profileFlags = values["profile-dir"] ? ["--cpu-prof", "--cpu-prof-dir", values["profile-dir"]] : [];

const machine = machineInfo();
const pinned = canPin && machine.cores >= 2;
const CLIENT_CPUS = pinned ? "0" : undefined;
const SERVER_CPUS = pinned ? "1" : undefined;

const PROMPT = [{ role: "user", content: "Write one sentence about benchmarks." }];
const CHAT_BODY = JSON.stringify({ model: "bench", messages: PROMPT });
const STREAM_BODY = JSON.stringify({ model: "bench", messages: PROMPT, stream: true });

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

const loadAverageStart = loadAverage();
const simPort = await freePort();
const simulator = await startServer(
  "simulator",
  [`${BENCH_DIST}serve-simulator.js`, "--port", String(simPort), "--models", "bench"],
  simPort,
  CLIENT_CPUS,
  process.env,
  CHAT_BODY,
);
const proxyPort = await freePort();
const proxy = await startServer(
  "minimal proxy",
  [
    ...profileFlags,
    `${BENCH_DIST}minimal-proxy.js`,
    "--port",
    String(proxyPort),
    "--upstream",
    simulator.origin,
  ],
  proxyPort,
  SERVER_CPUS,
  process.env,
  CHAT_BODY,
);
let gateway: ServerProcess | undefined;
let gatewayPending: string | undefined;
const gatewayPort = await freePort();
try {
  gateway = await startServer(
    "gateway",
    [
      ...profileFlags,
      ...binNodeFlags(`${REPO_ROOT}dist/src/cli/main.js`),
      `${REPO_ROOT}dist/src/cli/main.js`,
      "run",
      `${REPO_ROOT}bench/gateway.yaml`,
      "--port",
      String(gatewayPort),
      "--admin-port",
      String(await freePort()),
      "--host",
      "127.0.0.1",
      ...settings.gatewayArgs,
    ],
    gatewayPort,
    SERVER_CPUS,
    { ...process.env, SIM_PORT: String(simPort) },
    CHAT_BODY,
  );
} catch (error) {
  gatewayPending = (error as Error).message.split("\n").slice(0, 6).join("\n");
  log(`gateway not runnable, its rows stay pending:\n${gatewayPending}`);
}

const targets: { name: TargetName; server: ServerProcess | undefined; origin: string }[] = [
  { name: "direct", server: undefined, origin: simulator.origin },
  { name: "minimal proxy", server: proxy, origin: proxy.origin },
];
if (gateway) targets.push({ name: "gateway", server: gateway, origin: gateway.origin });

function job(mode: LoadJob["mode"], origin: string, body: string, durationSeconds: number): LoadJob {
  return {
    mode,
    origin,
    path: "/v1/chat/completions",
    body,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds,
    connections: settings.connections,
    rate: settings.rate,
  };
}

/** Runs the job and measures the CPU share of the simulator and the target while it ran. */
async function measure(target: (typeof targets)[number], load: LoadJob): Promise<TargetRun> {
  const watched = [simulator, ...(target.server ? [target.server] : [])];
  const before = watched.map((server) => cpuSeconds(server.pid));
  const machineBefore = machineBusySeconds();
  const start = process.hrtime.bigint();
  const result = await runLoad(load, CLIENT_CPUS);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  let ours = result.clientCpuSeconds;
  const cpu: Record<string, number> = { client: result.clientCpuSeconds / wall };
  watched.forEach((server, i) => {
    const used = cpuSeconds(server.pid) - before[i]!;
    ours += used;
    cpu[server.name] = used / wall;
  });
  // Everything else that ran meanwhile: other users of a shared machine, this orchestrator, the kernel.
  cpu["other"] = Math.max(0, machineBusySeconds() - machineBefore - ours) / wall;
  return { target: target.name, result, cpu };
}

/**
 * On a shared machine other work can land on our cores mid-measurement; a run during which other
 * processes used more than `--max-other-cpu` of a core is repeated (up to `--retries` times) and the
 * quietest attempt is kept. Every retry is counted in the report.
 */
let retried = 0;
async function quietMeasure(target: (typeof targets)[number], load: LoadJob): Promise<TargetRun> {
  let best = await measure(target, load);
  for (
    let attempt = 0;
    attempt < settings.retries && (best.cpu["other"] ?? 0) > settings.maxOtherCpu;
    attempt++
  ) {
    log(`  other processes used ${((best.cpu["other"] ?? 0) * 100).toFixed(0)} % of a core; measuring again`);
    retried++;
    const again = await measure(target, load);
    if ((again.cpu["other"] ?? 0) < (best.cpu["other"] ?? 0)) best = again;
  }
  return best;
}

/** Every round measures each target once, back to back, so slow drifts of a shared machine hit all. */
async function rounds(phase: string, mode: LoadJob["mode"], body: string): Promise<TargetRun[][]> {
  const all: TargetRun[][] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const runs: TargetRun[] = [];
    for (const target of targets) {
      log(`${phase}, round ${round}/${settings.rounds}: ${target.name}`);
      runs.push(await quietMeasure(target, job(mode, target.origin, body, settings.durationSeconds)));
    }
    all.push(runs);
  }
  return all;
}

let memory: BenchResults["memory"];
let startedBytes = 0;
let idleBytes = 0;
if (gateway) startedBytes = residentBytes(gateway.pid);
// Warm the proxy and the gateway alike (JIT, pools, buffers), let them sit idle, then read their RSS.
log("warm-up for the idle memory readings");
for (const target of targets.slice(1)) {
  await runLoad({ ...job("closed", target.origin, CHAT_BODY, 3), connections: 8 }, CLIENT_CPUS);
  await runLoad(job("open", target.origin, STREAM_BODY, 2), CLIENT_CPUS);
}
await new Promise((resolve) => setTimeout(resolve, 3000));
const proxyIdleBytes = residentBytes(proxy.pid);
if (gateway) idleBytes = residentBytes(gateway.pid);

const maxThroughput = await rounds("max throughput (closed loop)", "closed", CHAT_BODY);
const latency = await rounds(`latency at ${settings.rate} req/s`, "open", CHAT_BODY);
const streamFirstByte = await rounds(`stream first byte at ${settings.rate} req/s`, "open", STREAM_BODY);

if (gateway) {
  const gatewayTarget = targets.find((target) => target.name === "gateway")!;
  log(`soak: ${settings.soakSeconds} s at ${settings.rate} req/s through the gateway`);
  const samples: MemorySample[] = [];
  const soakStart = Date.now();
  const pid = gateway.pid;
  const sampler = setInterval(() => {
    samples.push({ seconds: (Date.now() - soakStart) / 1000, bytes: residentBytes(pid) });
  }, 5000);
  const soakRun = await measure(gatewayTarget, {
    ...job("open", gateway.origin, CHAT_BODY, settings.soakSeconds),
    warmupSeconds: 0,
  });
  clearInterval(sampler);
  samples.push({ seconds: (Date.now() - soakStart) / 1000, bytes: residentBytes(pid) });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  memory = { startedBytes, idleBytes, soak: samples, idleAfterSoakBytes: residentBytes(pid), soakRun };
}

await Promise.all([gateway?.stop(), proxy.stop()]);
await simulator.stop();

const results: BenchResults = {
  date: new Date().toISOString(),
  machine,
  pinning: pinned
    ? "taskset: load generator and simulator on core 0, minimal proxy / gateway on core 1"
    : "none (taskset unavailable or a single core): all processes share every core",
  loadAverageStart,
  loadAverageEnd: loadAverage(),
  settings,
  gatewayPending,
  retried,
  proxyIdleBytes,
  maxThroughput,
  latency,
  streamFirstByte,
  memory,
};
const report = renderReport(results);
process.stdout.write(report);
if (values["profile-dir"]) {
  const dir = values["profile-dir"];
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
    // Node names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile.
    const owner = [proxy, gateway].find((server) => server && file.includes(`.${server.pid}.`));
    process.stderr.write(
      `\n${owner?.name ?? "unknown process"}: ${summarizeCpuProfile(join(dir, file), 30)}`,
    );
  }
}
if (values.out) {
  writeFileSync(`${values.out}.md`, report);
  writeFileSync(`${values.out}.json`, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${values.out}.md and ${values.out}.json`);
}
