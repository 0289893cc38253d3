import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { request } from "undici";
import { benchJwt } from "./bench-jwt.js";
import { BENCH_DIST, CLIENT_CPUS, runForJson, startUntilStopped } from "./bench-processes.js";
import type { TargetName } from "./bench-results.js";
import type { ConsolePollerJob, PollerStats } from "./console-poller.js";
import { cpuSeconds } from "./process-stats.js";
import type { SpanSink } from "./span-sink.js";

/**
 * The gateways that measure one feature each against the plain passthrough gateway ("gateway"):
 * the same bin, flags, core, simulator and request, with one thing switched on. Each runs in its
 * own process, so the plain gateway stays free of every feature. Their budgets are ratios of the
 * max throughput of a plain gateway started beside each for the round (run-bench.ts, featurePairs).
 */
export interface FeatureGateway {
  readonly name: TargetName;
  /** Budget row text. */
  readonly budget: string;
  /** Minimum req/s as a share of the plain gateway's (inverse: the plain gateway's as a share of this one's). */
  readonly ratio: number;
  /**
   * The feature is on in the plain gateway and switched off here (telemetry): the budget is what
   * the plain gateway keeps of this one's throughput.
   */
  readonly inverse?: boolean;
  /** How the process is set up, for the report. */
  readonly description: string;
  /** bench/ files, passed before gateway.yaml (whose catch-all rule they must precede). */
  readonly configFiles: readonly string[];
  /** `aigw run` flags besides the shared ones; a feature without `--ledger` runs with `--ledger off`. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Headers every request to it carries (credentials). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * After the warm-up: undefined when the feature demonstrably ran, else why not (so a misconfigured
   * target cannot pass off the plain gateway's speed as the feature's).
   */
  confirm(origin: string, adminOrigin: string): Promise<string | undefined>;
  /** A process the feature works with (Redis, PostgreSQL) whose CPU counts with the target's. */
  readonly alsoWatched?: { name: string; cpuSeconds(): Promise<number> };
  /**
   * Work beside every measured load (an open console): started before the load, stopped after it,
   * and what it saw kept with the run.
   */
  readonly during?: (adminOrigin: string) => Promise<() => Promise<PollerStats>>;
}

/** The telemetry-off gateway has no /metrics (its access log goes nowhere either: `--no-access-log`). */
async function metricsOff(_origin: string, adminOrigin: string): Promise<string | undefined> {
  const response = await request(`${adminOrigin}/metrics`);
  await response.body.dump();
  return response.statusCode === 404 ? undefined : `/metrics answered ${response.statusCode}: metrics are on`;
}

/** Every request of the limits gateways answers with x-ratelimit-limit once the counters are checked. */
async function answersWithRateLimit(origin: string): Promise<string | undefined> {
  const response = await post(origin, {});
  return response.headers["x-ratelimit-limit"] !== undefined
    ? undefined
    : "answered without x-ratelimit-limit: its rate limits are not applied";
}

/** A gateway that authenticates refuses a request without the credential. */
async function refusesWithoutCredential(origin: string): Promise<string | undefined> {
  const response = await post(origin, {});
  return response.statusCode === 401
    ? undefined
    : `answered ${response.statusCode} without a credential: authentication is not on`;
}

/**
 * The tracing gateway exports spans: one request whose client sampled its trace (the parent-based
 * sampler then samples it too) is exported within a batch delay (a second).
 */
function spansExported(sink: SpanSink): (origin: string) => Promise<string | undefined> {
  return async (origin) => {
    // Counted from now: an earlier round's process has exported to the same sink.
    const before = sink.exports();
    await post(origin, { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
    const deadline = Date.now() + 5_000;
    while (sink.exports() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return sink.exports() > before ? undefined : "exported no span of a sampled request within 5 s";
  };
}

const BENCH_ADMIN_TOKEN = "bench-admin-token";

/** The ledger gateways have recorded the warm-up's requests (the usage API flushes before answering). */
async function ledgerRecorded(_origin: string, adminOrigin: string): Promise<string | undefined> {
  const response = await request(`${adminOrigin}/v1/usage`, {
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
  });
  const text = await response.body.text();
  if (response.statusCode !== 200)
    return `GET /v1/usage answered ${response.statusCode}: ${text.slice(0, 200)}`;
  const rows = (JSON.parse(text) as { rows: { requests: number }[] }).rows;
  const requests = rows.reduce((sum, row) => sum + row.requests, 0);
  return requests > 0 ? undefined : "the ledger recorded none of the warm-up's requests";
}

/** The console poller (console-poller.ts) against the admin listener, a client on the client's core. */
async function openConsole(adminOrigin: string): Promise<() => Promise<PollerStats>> {
  const job: ConsolePollerJob = { adminOrigin, adminToken: BENCH_ADMIN_TOKEN };
  const poller = await startUntilStopped<PollerStats>(
    [`${BENCH_DIST}console-poller.js`, JSON.stringify(job)],
    CLIENT_CPUS,
  );
  return () => poller.stop();
}

/**
 * The console gateway records to its ledger and its poller gets 200s from every endpoint: 1.5 s of
 * polling asks each once and requests twice (the second time with `after`).
 */
async function consoleAnswered(origin: string, adminOrigin: string): Promise<string | undefined> {
  const ledger = await ledgerRecorded(origin, adminOrigin);
  if (ledger) return ledger;
  const stop = await openConsole(adminOrigin);
  await sleep(1_500);
  const stats = await stop();
  for (const [path, endpoint] of Object.entries(stats.endpoints)) {
    const refusal = endpoint.firstRefusal;
    if (refusal)
      return `GET /console/api/${path} ${refusal.status === 0 ? "failed" : `answered ${refusal.status}`}: ${refusal.body.slice(0, 200)}`;
  }
  return undefined;
}

async function post(origin: string, headers: Record<string, string>) {
  const response = await request(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "bench", messages: [{ role: "user", content: "Hi" }] }),
  });
  await response.body.dump();
  return response;
}

/** used_cpu_user + used_cpu_sys of INFO cpu: the Redis server's own CPU seconds. */
async function redisCpuSeconds(info: () => Promise<string>): Promise<number> {
  const text = await info();
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return field("used_cpu_user") + field("used_cpu_sys");
}

/** CPU seconds of every PostgreSQL process (the postmaster, its writers, the gateway's backends). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
      total += cpuSeconds(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

export const LEDGER_DATABASE = "aigw_bench";

/**
 * A fresh database for the PostgreSQL ledger, so every run measures the same table size; undefined
 * with the reason when PostgreSQL does not answer at `url` (its row stays pending).
 */
async function freshDatabase(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${LEDGER_DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${LEDGER_DATABASE}`);
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${url}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface FeatureSetup {
  /** Redis for the shared counters; without a PING answer that row is pending. */
  redis?: { url: string; info: () => Promise<string> };
  redisPending?: string;
  /** The PostgreSQL server (any database) the ledger row writes to. */
  postgresUrl: string;
  /** Where the tracing gateway sends its spans. */
  spanSink: SpanSink;
  /** Records the open-console gateway's ledger holds before it starts (30 days of them). */
  consoleLedgerRecords: number;
}

/** The feature gateways in measuring order, or the reason one cannot run. */
export async function featureGateways(
  setup: FeatureSetup,
): Promise<{ features: FeatureGateway[]; pending: Partial<Record<TargetName, string>> }> {
  const pending: Partial<Record<TargetName, string>> = {};
  const features: FeatureGateway[] = [];
  features.push({
    name: "gateway, telemetry off",
    budget: "Max throughput with metrics and the access log on (the default)",
    ratio: 0.95,
    inverse: true,
    description:
      "serves `gateway.yaml` with `--no-metrics --no-access-log`: what the plain gateway (metrics on /metrics and the JSON access log, as `aigw run` starts) is measured against",
    configFiles: [],
    args: ["--no-metrics", "--no-access-log"],
    env: {},
    headers: {},
    confirm: metricsOff,
  });
  features.push({
    name: "gateway + tracing 10%",
    budget: "Max throughput with tracing, 10 % of requests sampled",
    ratio: 0.9,
    description:
      "serves `gateway.yaml` with OpenTelemetry tracing on: `OTEL_TRACES_SAMPLER=parentbased_traceidratio` at 0.1, spans batched (a batch every second) and exported over OTLP/HTTP protobuf to a sink in the bench process that reads and drops them",
    configFiles: [],
    args: [],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: setup.spanSink.url,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
      OTEL_BSP_SCHEDULE_DELAY: "1000",
    },
    headers: {},
    confirm: spansExported(setup.spanSink),
  });
  const limitsConfig = ["gateway-limits.yaml"];
  const limitsDescription =
    "serves `bench/gateway-limits.yaml` before `gateway.yaml`, so every request checks and charges two token rate limits that are never reached " +
    "(total tokens per model per hour, charged after the answer; requests per route per minute)";
  features.push({
    name: "gateway + limits",
    budget: "Max throughput with two token limits, in memory",
    ratio: 0.9,
    description: `${limitsDescription}, counters in process memory`,
    configFiles: limitsConfig,
    args: [],
    env: {},
    headers: {},
    confirm: answersWithRateLimit,
  });
  if (setup.redis) {
    const redis = setup.redis;
    features.push({
      name: "gateway + limits, Redis",
      budget: "Max throughput with two token limits, with Redis on loopback",
      ratio: 0.75,
      description: `${limitsDescription}, counters in the Redis at ${redis.url} (\`--redis … --redis-fail closed\`; not pinned, its own CPU from INFO shown after the gateway's)`,
      configFiles: limitsConfig,
      args: ["--redis", redis.url, "--redis-fail", "closed"],
      env: {},
      headers: {},
      confirm: answersWithRateLimit,
      alsoWatched: { name: "Redis", cpuSeconds: () => redisCpuSeconds(redis.info) },
    });
  } else {
    pending["gateway + limits, Redis"] = setup.redisPending ?? "no Redis";
  }
  features.push({
    name: "gateway + API keys",
    budget: "Max throughput with API-key authentication",
    ratio: 0.9,
    description:
      "serves `bench/gateway-api-keys.yaml`: a SecurityPolicy on the Gateway with apiKeyAuth (100 clients, key read from `Authorization: Bearer`, client id forwarded as a header)",
    configFiles: ["gateway-api-keys.yaml"],
    args: [],
    env: {},
    headers: { authorization: "Bearer bench-key-0042" },
    confirm: refusesWithoutCredential,
  });
  const jwt = await benchJwt();
  features.push({
    name: "gateway + JWT",
    budget: "Max throughput with JWT authentication (key in hand)",
    ratio: 0.9,
    description:
      "serves `bench/gateway-jwt.yaml`: a SecurityPolicy on the Gateway with one JWT provider (RS256, local JWKS, issuer and audience checked, two claims to headers); every request carries the same token",
    configFiles: ["gateway-jwt.yaml"],
    args: [],
    env: { BENCH_JWKS: jwt.jwks },
    headers: { authorization: `Bearer ${jwt.token}` },
    confirm: refusesWithoutCredential,
  });
  const sqliteDir = mkdtempSync(join(tmpdir(), "aigw-bench-ledger-"));
  features.push({
    name: "gateway + ledger",
    budget: "Max throughput with the usage ledger (embedded SQLite)",
    ratio: 0.9,
    description: `serves \`gateway.yaml\` with \`--ledger sqlite://${join(sqliteDir, "ledger.sqlite")}\`: one ledger record per request`,
    configFiles: [],
    args: ["--ledger", `sqlite://${join(sqliteDir, "ledger.sqlite")}`],
    env: { AIGW_ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
    headers: {},
    confirm: ledgerRecorded,
  });
  // The same gateway again, with a file of its own (the SQLite ledger serves one process), holding
  // 30 days of records before it starts: the overview it is asked for sums a month of rollups.
  const consoleDir = mkdtempSync(join(tmpdir(), "aigw-bench-ledger-"));
  await runForJson(
    [
      `${BENCH_DIST}console-overview-bench.js`,
      "--fill-sqlite",
      join(consoleDir, "ledger.sqlite"),
      "--records",
      String(setup.consoleLedgerRecords),
    ],
    CLIENT_CPUS,
  );
  features.push({
    name: "gateway + ledger, console open",
    budget: "Max throughput with the ledger and an open console",
    ratio: 0.9,
    description:
      `serves \`gateway.yaml\` with \`--ledger sqlite://${join(consoleDir, "ledger.sqlite")}\`, as "gateway + ledger" does, but its file holds ${setup.consoleLedgerRecords.toLocaleString("en-US")} records of the last 30 days before it starts; \`bench/console-poller.ts\` ` +
      "(its own process on the client's core) polls the admin listener for the whole of every measurement as an open console tab would: " +
      "`overview?range=30d` every 2 s, `requests?after=<last_seq>` every second, `backends`, `limits` and `config` every 5 s, each with the admin token and never overlapping with itself",
    configFiles: [],
    args: ["--ledger", `sqlite://${join(consoleDir, "ledger.sqlite")}`],
    env: { AIGW_ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
    headers: {},
    confirm: consoleAnswered,
    during: openConsole,
  });
  const postgresPending = await freshDatabase(setup.postgresUrl);
  if (postgresPending) {
    pending["gateway + ledger, Postgres"] = postgresPending;
  } else {
    const url = new URL(setup.postgresUrl);
    url.pathname = `/${LEDGER_DATABASE}`;
    features.push({
      name: "gateway + ledger, Postgres",
      budget: "Max throughput with the usage ledger in PostgreSQL on loopback",
      ratio: 0.85,
      description: `serves \`gateway.yaml\` with \`--ledger ${url.href}\` (a database made afresh for the run; PostgreSQL not pinned, the CPU of all its processes shown after the gateway's)`,
      configFiles: [],
      args: ["--ledger", url.href],
      env: { AIGW_ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
      headers: {},
      confirm: ledgerRecorded,
      alsoWatched: { name: "PostgreSQL", cpuSeconds: async () => postgresCpuSeconds() },
    });
  }
  return { features, pending };
}
