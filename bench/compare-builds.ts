import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchJwt } from "./bench-jwt.js";
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
import type { LoadJob } from "./load-job.js";
import { cpuSeconds, threadCpuSeconds } from "./process-stats.js";
import { startSpanSink } from "./span-sink.js";

/**
 * Two builds of the gateway side by side on one noisy machine: both run at once on the servers'
 * core against one simulator, and closed-loop measurements alternate between them in ABBA order, so
 * drift of the host hits both equally. Each measurement yields throughput and the gateway's CPU per
 * request (from /proc). Run it with the same build on both sides first (`--base .`) to see what the
 * method resolves on the day.
 *
 * Usage: node dist/bench/compare-builds.js --base ../aigw-base [--quads 6] [--seconds 5]
 *   [--configs "gateway-limits.yaml gateway.yaml"] [--args "--redis redis://127.0.0.1:6379"]
 *   [--base-args="--ledger off"] [--head-args="--ledger postgres://..."]
 *   [--head-env="OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_TRACES_SAMPLER_ARG=0.1"]
 *   [--span-sink --head-env="OTEL_EXPORTER_OTLP_ENDPOINT=$SPAN_SINK ..."]
 *   [--base-configs "gateway.yaml"] [--head-configs "gateway-jwt.yaml gateway.yaml"] [--jwt head]
 *   [--profile-dir /tmp/profiles] [--concurrent]
 * where ../aigw-base is another checkout with its own `dist/` built (see BENCHMARKS.md), or `.` to
 * compare one build with two sets of flags. Every gateway gets an empty data home of its own (its
 * SQLite ledger, unless the flags turn it off or elsewhere). `--span-sink` starts the OTLP sink of
 * `npm run bench`'s tracing row in this process; `$SPAN_SINK` in an env value is its URL (quote it
 * from the shell). `--jwt base|head|both` makes a key pair for the run as `npm run bench` does (its
 * JWKS in every gateway's BENCH_JWKS, for gateway-jwt.yaml) and sends the token as
 * `Authorization: Bearer` on that side's requests: the JWT row is
 * `--base-configs gateway.yaml --head-configs "gateway-jwt.yaml gateway.yaml" --jwt head`.
 * `--concurrent` loads both sides at once in each window instead of one after the other (ABBA): the
 * two share the servers' core and the host's speed of the moment, so their CPU per request is
 * compared from the same seconds (what `npm run bench` does for its feature rows).
 */
const { values } = parseArgs({
  options: {
    base: { type: "string" },
    quads: { type: "string", default: "6" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    body: { type: "string" },
    /** Config files under bench/ (of this checkout), space-separated; default gateway.yaml. */
    configs: { type: "string", default: "gateway.yaml" },
    /** One side's config files instead of --configs (e.g. a feature's file on the head side only). */
    "base-configs": { type: "string" },
    "head-configs": { type: "string" },
    /** The sides whose requests carry the bench JWT: base, head or both. */
    jwt: { type: "string" },
    /** Each gateway writes a V8 CPU profile into <dir>/base or <dir>/head when it stops. */
    "profile-dir": { type: "string" },
    /** More `aigw run` flags for both gateways, space-separated (e.g. "--redis redis://127.0.0.1:6379"). */
    args: { type: "string", default: "" },
    /** Flags for one side only, after --args (e.g. --base-args="--ledger off": with `=`, as they start with a dash). */
    "base-args": { type: "string", default: "" },
    "head-args": { type: "string", default: "" },
    /** Environment variables for one side only, space-separated NAME=value pairs (e.g. tracing on). */
    "base-env": { type: "string", default: "" },
    "head-env": { type: "string", default: "" },
    "span-sink": { type: "boolean", default: false },
    /**
     * Both sides loaded at once (a load generator each, both on the client's core), so they share
     * the servers' core and whatever the host does to it in the same seconds; each window yields
     * both sides' CPU per request from the same moment.
     */
    concurrent: { type: "boolean", default: false },
  },
});
if (!values.base) throw new Error("--base <checkout with dist/ built> is required");
const baseRoot = new URL(`${values.base.replace(/\/?$/, "/")}`, `file://${process.cwd()}/`).pathname;
const quads = Number(values.quads);
const seconds = Number(values.seconds);
const CLIENT_CPUS = canPin ? "0" : undefined;
const SERVER_CPUS = canPin ? "1" : undefined;
const body =
  values.body ??
  JSON.stringify({
    model: "bench",
    messages: [{ role: "user", content: "Write one sentence about benchmarks." }],
  });
const probe = { path: "/v1/chat/completions", body };
if (values.jwt !== undefined && !["base", "head", "both"].includes(values.jwt)) {
  throw new Error(`--jwt: "${values.jwt}" is not base, head or both`);
}
const jwt = values.jwt === undefined ? undefined : await benchJwt();
/** The headers one side's requests (and its readiness probe) carry. */
function headersOf(name: "base" | "head"): Record<string, string> {
  const carries = jwt !== undefined && (values.jwt === "both" || values.jwt === name);
  return carries ? { authorization: `Bearer ${jwt.token}` } : {};
}

const spanSink = values["span-sink"] ? await startSpanSink() : undefined;
const simPort = await freePort();
const simulator = await startServer(
  "simulator",
  [`${BENCH_DIST}serve-simulator.js`, "--port", String(simPort), "--models", "bench"],
  simPort,
  CLIENT_CPUS,
  process.env,
  probe,
);

async function startGateway(name: "base" | "head", root: string): Promise<ServerProcess> {
  const bin = `${root}dist/src/cli/main.js`;
  const port = await freePort();
  const configs = (values[`${name}-configs`] ?? values.configs)
    .split(" ")
    .filter(Boolean)
    .map((file) => `${REPO_ROOT}bench/${file}`);
  const profile = values["profile-dir"]
    ? ["--cpu-prof", "--cpu-prof-dir", join(values["profile-dir"], name)]
    : [];
  const args = [...profile, ...binNodeFlags(bin), bin, "run", ...configs, "--port", String(port)];
  args.push("--admin-port", String(await freePort()), "--host", "127.0.0.1");
  args.push(...values.args.split(" ").filter(Boolean));
  args.push(...values[`${name}-args`].split(" ").filter(Boolean));
  const env = {
    ...process.env,
    SIM_PORT: String(simPort),
    AIGW_DATA_HOME: mkdtempSync(join(tmpdir(), "aigw-bench-")),
    ...(jwt ? { BENCH_JWKS: jwt.jwks } : {}),
    ...envPairs(values[`${name}-env`]),
  };
  return startServer(name, args, port, SERVER_CPUS, env, { ...probe, headers: headersOf(name) });
}

/** "A=1 B=2" as an environment object. */
function envPairs(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(" ").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--base-env / --head-env: "${pair}" is not NAME=value`);
    const value = pair.slice(eq + 1);
    if (value.includes("$SPAN_SINK") && !spanSink) throw new Error(`"${pair}" needs --span-sink`);
    env[pair.slice(0, eq)] = spanSink ? value.replaceAll("$SPAN_SINK", spanSink.url) : value;
  }
  return env;
}

interface Sample {
  rps: number;
  cpuMicrosPerRequest: number;
  /** The same CPU (µs a request) of the main thread and of the others (GC helpers, libuv, workers). */
  threads: { main: number; others: number };
}
const samples: Record<"base" | "head", Sample[]> = { base: [], head: [] };
/** ABBA, then BAAB: drift of the host during a quad hits both builds alike. */
const ORDER = ["base", "head", "head", "base"] as const;

async function measure(name: "base" | "head", server: ServerProcess, warmupSeconds: number): Promise<Sample> {
  const [sample] = await measureAtOnce([{ name, server }], warmupSeconds);
  return sample!;
}

/** The sides' loads started together and measured over the same window. */
async function measureAtOnce(
  sides: { name: "base" | "head"; server: ServerProcess }[],
  warmupSeconds: number,
): Promise<Sample[]> {
  return Promise.all(sides.map(({ name, server }) => measureSide(name, server, warmupSeconds)));
}

async function measureSide(
  name: "base" | "head",
  server: ServerProcess,
  warmupSeconds: number,
): Promise<Sample> {
  const job: LoadJob = {
    mode: "closed",
    origin: server.origin,
    path: "/v1/chat/completions",
    body,
    headers: headersOf(name),
    warmupSeconds,
    durationSeconds: seconds,
    connections: Number(values.connections),
  };
  const before = cpuSeconds(server.pid);
  const threadsBefore = threadCpuSeconds(server.pid);
  const result = await runLoad(job, CLIENT_CPUS);
  const failed = Object.values(result.failures).reduce((a, b) => a + b, 0);
  if (failed > 0) throw new Error(`${server.name}: ${failed} requests failed`);
  // The warm-up's requests are not in `completed`; its CPU is, so it is kept short and equal.
  const cpu = cpuSeconds(server.pid) - before;
  const requests = result.completed + result.requestsPerSecond * warmupSeconds;
  const threadsAfter = threadCpuSeconds(server.pid);
  const perRequest = (seconds: number) => Number(((seconds / requests) * 1e6).toFixed(1));
  const threads = {
    main: perRequest(threadsAfter.main - threadsBefore.main),
    others: perRequest(threadsAfter.others - threadsBefore.others),
  };
  return { rps: result.requestsPerSecond, cpuMicrosPerRequest: (cpu / requests) * 1e6, threads };
}

try {
  // Fresh processes for every quad: one process can stay faster than another of the same build for
  // its whole life (JIT and memory layout), which an A/A run with long-lived processes shows.
  for (let quad = 0; quad < quads; quad++) {
    const servers = {
      base: await startGateway("base", baseRoot),
      head: await startGateway("head", REPO_ROOT),
    };
    try {
      // Warm both JITs before anything counts.
      await measure("base", servers.base, 1);
      await measure("head", servers.head, 1);
      if (values.concurrent) {
        for (let window = 0; window < ORDER.length; window++) {
          const [base, head] = await measureAtOnce(
            [
              { name: "base", server: servers.base },
              { name: "head", server: servers.head },
            ],
            0.5,
          );
          samples.base.push(base!);
          samples.head.push(head!);
          for (const [name, sample] of [
            ["base", base!],
            ["head", head!],
          ] as const) {
            process.stderr.write(
              `compare (at once): ${name} ${sample.rps.toFixed(0)} req/s, ${sample.cpuMicrosPerRequest.toFixed(1)} µs CPU/request\n`,
            );
          }
        }
        continue;
      }
      const order = quad % 2 === 0 ? ORDER : [...ORDER].reverse();
      for (const name of order) {
        const sample = await measure(name, servers[name], 0.5);
        samples[name].push(sample);
        const cpu = sample.cpuMicrosPerRequest.toFixed(1);
        const { main, others } = sample.threads;
        process.stderr.write(
          `compare: ${name} ${sample.rps.toFixed(0)} req/s, ${cpu} µs CPU/request (main thread ${main}, others ${others})\n`,
        );
      }
    } finally {
      await servers.head.stop();
      await servers.base.stop();
    }
  }
} finally {
  await simulator.stop();
  spanSink?.close();
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const summary = (name: "base" | "head") => ({
  rps: median(samples[name].map((s) => s.rps)),
  cpuMicrosPerRequest: median(samples[name].map((s) => s.cpuMicrosPerRequest)),
});
const b = summary("base");
const h = summary("head");
process.stdout.write(
  `${JSON.stringify(
    {
      base: { root: baseRoot, ...b },
      head: { root: REPO_ROOT, ...h },
      throughputRatio: h.rps / b.rps,
      cpuPerRequestRatio: h.cpuMicrosPerRequest / b.cpuMicrosPerRequest,
      // Proof that the tracing side exported at all (each export is one batch of spans).
      ...(spanSink ? { spanExports: spanSink.exports() } : {}),
      samples,
    },
    null,
    2,
  )}\n`,
);
