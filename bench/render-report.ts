import type {
  BenchResults,
  ChunkCostResults,
  ConsoleOverviewResult,
  FeatureBudget,
  InferencePoolResults,
  McpBenchResults,
  McpInitializeResults,
  PickerCostResults,
  TargetName,
  TargetRun,
} from "./bench-results.js";
import type { LatencySummary } from "./percentiles.js";

/** The budgets the issue sets for the gateway. */
const BUDGET = {
  throughputRatio: 0.8,
  addedP50Ms: 0.15,
  addedP99Ms: 0.5,
  addedFirstByteP99Ms: 0.5,
  idleRssBytes: 70 * 2 ** 20,
  soakGrowth: 0.1,
  /** Issue "Providers I": translation must not be the bottleneck. */
  bedrockThroughputRatio: 0.7,
  translatedChunkP99Ms: 0.2,
  /** Issue 13: the built-in endpoint picker against round-robin over the same replicas. */
  poolP90TtftRatio: 0.5,
  poolTokensPerSecondRatio: 1.3,
  pickP50Us: 100,
  /** Issue 15: the console's overview of 30 days of a million ledger records, on each store. */
  consoleOverviewMs: 300,
  /** Issue 14 (MCP gateway): tools/call through the gateway against direct, and initialize over three backends. */
  mcpAddedP50Ms: 1,
  mcpAddedP99Ms: 3,
  mcpInitializeOverSlowestMs: 2,
};

const BEDROCK: TargetName = "gateway → Bedrock";
const BEDROCK_UNSIGNED: TargetName = "gateway → Bedrock unsigned";
const GEMINI: TargetName = "gateway → Gemini";
const AZURE: TargetName = "gateway → Azure";
/** The open console's gateway and the same gateway without it, measured in the same rounds. */
const CONSOLE_OPEN: TargetName = "gateway + ledger, console open";
const LEDGER: TargetName = "gateway + ledger";
/** The translated targets: one gateway process (recorded under BEDROCK), talking to the fake providers. */
const TRANSLATED: readonly TargetName[] = [BEDROCK, BEDROCK_UNSIGNED, GEMINI, AZURE];

/**
 * Results from before the feature list recorded only the two limits gateways: their budgets then
 * (the same as today's), so old results render as they did.
 */
function featuresOf(results: BenchResults): {
  features: FeatureBudget[];
  pending: Partial<Record<TargetName, string>>;
} {
  if (results.features) return { features: results.features, pending: results.featurePending ?? {} };
  const description =
    "serves `bench/gateway-limits.yaml` before `gateway.yaml`: two token rate limits on every request";
  return {
    features: [
      {
        name: "gateway + limits",
        budget: "Max throughput with two token limits, in memory",
        ratio: 0.9,
        description,
      },
      {
        name: "gateway + limits, Redis",
        budget: "Max throughput with two token limits, with Redis on loopback",
        ratio: 0.75,
        description: `${description}, counters in the Redis at ${results.settings.redisUrl ?? "—"}`,
      },
    ],
    pending: {
      ...(results.limitsPending ? { "gateway + limits": results.limitsPending } : {}),
      ...(results.redisLimitsPending ? { "gateway + limits, Redis": results.redisLimitsPending } : {}),
    },
  };
}

type Verdict = "PASS" | "MISS" | "pending";

/** Markdown: the budget verdicts first, then every measured number, then how to reproduce. */
export function renderReport(results: BenchResults): string {
  const { settings, machine } = results;
  const out: string[] = [];
  out.push(`## Results of ${results.date.slice(0, 16).replace("T", " ")} UTC`, "");
  out.push(
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.kernel}.`,
    `Pinning: ${results.pinning}.`,
    `1-minute load average at start ${results.loadAverageStart.toFixed(2)}, at end ${results.loadAverageEnd.toFixed(2)}.`,
    `Settings: ${settings.rounds} round(s) of ${settings.durationSeconds} s (+${settings.warmupSeconds} s warm-up) per target and phase, ` +
      `${settings.connections} connections for max throughput, ${settings.rate} req/s for latency, soak ${settings.soakSeconds} s` +
      `${settings.gatewayArgs.length ? `, gateway flags \`${settings.gatewayArgs.join(" ")}\`` : ""}.`,
    settings.maxOtherCpu === undefined || !settings.retries
      ? "Runs disturbed by other processes were not repeated."
      : `Runs during which other processes used more than ${pct(settings.maxOtherCpu)} of a core were repeated up to ${settings.retries} times, keeping the quietest: ${results.retried ?? 0} repeat(s).`,
    "",
  );
  if (results.gatewayPending) {
    pendingBlock(out, "Gateway rows are **pending**: it did not start.", results.gatewayPending);
  }
  if (results.bedrockPending) {
    pendingBlock(out, `${BEDROCK} rows are **pending**: it did not start.`, results.bedrockPending);
  }
  // Not only "did not start": a row may also wait for a Redis or a PostgreSQL that answers.
  const { features, pending: featurePending } = featuresOf(results);
  for (const [name, reason] of Object.entries(featurePending)) {
    pendingBlock(out, `${name} rows are **pending**:`, reason);
  }
  if (results.inferencePoolPending) {
    pendingBlock(out, "Inference pool rows are **pending**:", results.inferencePoolPending);
  }
  if (results.consoleOverviewPending) {
    pendingBlock(out, "Console overview rows are **pending**:", results.consoleOverviewPending);
  }
  if (results.pickerCostPending) {
    pendingBlock(out, "Endpoint picker cost rows are **pending**:", results.pickerCostPending);
  }
  if (results.mcpPending) {
    pendingBlock(out, "MCP rows are **pending**: its benchmark did not run.", results.mcpPending);
  }

  out.push("### Budgets", "", "| Budget | Target | Measured | Result |", "|---|---|---|---|");
  const rps = (name: TargetName) =>
    medianOf(results.maxThroughput, name, (run) => run.result.requestsPerSecond);
  const ratio = rps("gateway") / rps("minimal proxy");
  out.push(
    row(
      "Max throughput, non-streaming chat, one process",
      `≥ ${BUDGET.throughputRatio} × minimal proxy`,
      `${fmt(ratio, 2)} × (${fmt(rps("gateway"), 0)} vs ${fmt(rps("minimal proxy"), 0)} req/s)`,
      verdict(ratio, (v) => v >= BUDGET.throughputRatio),
    ),
  );
  const addedP50 = addedOverDirect(results.latency, (l) => l.p50);
  const addedP99 = addedOverDirect(results.latency, (l) => l.p99);
  const addedFirstByte = addedOverDirect(results.streamFirstByte, (l) => l.p99, "firstByte");
  out.push(
    row(
      `Added latency p50 at ${settings.rate} req/s`,
      `< ${BUDGET.addedP50Ms} ms`,
      `${ms(addedP50.gateway)}`,
      verdict(addedP50.gateway, (v) => v < BUDGET.addedP50Ms),
    ),
    row(
      `Added latency p99 at ${settings.rate} req/s`,
      `< ${BUDGET.addedP99Ms} ms`,
      `${ms(addedP99.gateway)}`,
      verdict(addedP99.gateway, (v) => v < BUDGET.addedP99Ms),
    ),
    row(
      "Added time to first streamed byte p99",
      `< ${BUDGET.addedFirstByteP99Ms} ms`,
      `${ms(addedFirstByte.gateway)}`,
      verdict(addedFirstByte.gateway, (v) => v < BUDGET.addedFirstByteP99Ms),
    ),
  );
  const memory = results.memory;
  const growth = memory ? soakGrowth(memory.soak) : undefined;
  out.push(
    row(
      "Resident memory idle (after warm-up)",
      "< 70 MB",
      memory ? mb(memory.idleBytes) : "—",
      verdict(memory?.idleBytes ?? Number.NaN, (v) => v < BUDGET.idleRssBytes),
    ),
    row(
      `Resident memory flat after ${settings.soakSeconds} s at ${settings.rate} req/s`,
      "within 10 %",
      growth ? `${growth.description} (${pct(growth.ratio)})` : "—",
      verdict(growth?.ratio ?? Number.NaN, (v) => Math.abs(v) <= BUDGET.soakGrowth),
    ),
  );
  for (const feature of features) {
    // A feature neither measured nor explained (results from before it existed): no row.
    if (runsOf(results.maxThroughput, feature.name).length === 0 && !featurePending[feature.name]) continue;
    const pairs = pairsOf(results.maxThroughput, feature.name);
    let featureRatio: number;
    let measured: string;
    const atOnce = pairs.filter(({ on, reference }) => on.cpuPerRequestUs && reference.cpuPerRequestUs);
    if (atOnce.length > 0) {
      // Requests a second one core serves with the feature over without it: the plain gateway's CPU
      // a request over the feature's (its Redis or PostgreSQL included), per window; the median.
      const capacity = atOnce.map(({ on, reference }) => {
        const [a, b] = feature.inverse ? [reference, on] : [on, reference];
        return b.cpuPerRequestUs! / a.cpuPerRequestUs!;
      });
      const throughput = atOnce.map(({ on, reference }) => {
        const [a, b] = feature.inverse ? [reference, on] : [on, reference];
        return a.result.requestsPerSecond / b.result.requestsPerSecond;
      });
      featureRatio = median(capacity);
      const us = (runs: TargetRun[]) => fmt(median(runs.map((run) => run.cpuPerRequestUs!)), 1);
      measured =
        `${fmt(featureRatio, 2)} × (median of ${atOnce.length} windows: ${capacity.map((r) => fmt(r, 2)).join(", ")}; ` +
        `${us(atOnce.map(({ on }) => on))} vs ${us(atOnce.map(({ reference }) => reference))} µs CPU a request; ` +
        `req/s at once ${fmt(median(throughput), 2)} ×)`;
    } else if (pairs.length > 0) {
      // The budget's side over the other, per pair; the pairs' median is the verdict.
      const perPair = pairs.map(({ on, reference }) => {
        const [a, b] = feature.inverse ? [reference, on] : [on, reference];
        return a.result.requestsPerSecond / b.result.requestsPerSecond;
      });
      featureRatio = median(perPair);
      const featureRps = median(pairs.map(({ on }) => on.result.requestsPerSecond));
      const referenceRps = median(pairs.map(({ reference }) => reference.result.requestsPerSecond));
      measured =
        `${fmt(featureRatio, 2)} × (median of ${pairs.length} pairs: ${perPair.map((r) => fmt(r, 2)).join(", ")}; ` +
        `${fmt(featureRps, 0)} req/s with it, ${fmt(referenceRps, 0)} the plain gateway beside it)`;
    } else {
      const [on, off]: [TargetName, TargetName] = feature.inverse
        ? ["gateway", feature.name]
        : [feature.name, "gateway"];
      featureRatio = rps(on) / rps(off);
      measured = `${fmt(featureRatio, 2)} × (${fmt(rps(on), 0)} vs ${fmt(rps(off), 0)} req/s)`;
    }
    out.push(
      row(
        feature.budget,
        `≥ ${feature.ratio} × ${feature.inverse ? feature.name : "gateway"}`,
        measured,
        verdict(featureRatio, (v) => v >= feature.ratio),
      ),
    );
    if (feature.name === CONSOLE_OPEN && runsOf(results.maxThroughput, CONSOLE_OPEN).length > 0) {
      out.push(consoleAgainstLedgerRow(results.maxThroughput));
    }
  }
  if (runsOf(results.maxThroughput, BEDROCK).length > 0 || results.bedrockPending) {
    const bedrockRatio = rps(BEDROCK) / rps("gateway");
    out.push(
      row(
        "Max throughput, chat → Bedrock Converse (translated, SigV4-signed)",
        `≥ ${BUDGET.bedrockThroughputRatio} × passthrough gateway`,
        `${fmt(bedrockRatio, 2)} × (${fmt(rps(BEDROCK), 0)} vs ${fmt(rps("gateway"), 0)} req/s)`,
        verdict(bedrockRatio, (v) => v >= BUDGET.bedrockThroughputRatio),
      ),
    );
  }
  if (runsOf(results.maxThroughput, BEDROCK_UNSIGNED).length > 0) {
    // Not a budget of its own: the same path without SigV4, which says how much of the gap is signing.
    const unsignedRatio = rps(BEDROCK_UNSIGNED) / rps("gateway");
    out.push(
      row(
        "The same, translated but not signed (translation alone)",
        "—",
        `${fmt(unsignedRatio, 2)} × (${fmt(rps(BEDROCK_UNSIGNED), 0)} vs ${fmt(rps("gateway"), 0)} req/s)`,
        "reference",
      ),
    );
  }
  for (const [name, what] of [
    [GEMINI, "Max throughput, chat → Gemini on Vertex AI (translated, GCP token)"],
    [AZURE, "Max throughput, chat → Azure OpenAI (deployment path, api-key)"],
  ] as const) {
    if (runsOf(results.maxThroughput, name).length === 0) continue;
    const ratio = rps(name) / rps("gateway");
    out.push(
      row(
        what,
        `≥ ${BUDGET.bedrockThroughputRatio} × passthrough gateway`,
        `${fmt(ratio, 2)} × (${fmt(rps(name), 0)} vs ${fmt(rps("gateway"), 0)} req/s)`,
        verdict(ratio, (v) => v >= BUDGET.bedrockThroughputRatio),
      ),
    );
  }
  if (results.chunkCost) {
    const { slowest, reference } = chunkCostExtremes(results.chunkCost);
    out.push(
      row(
        "Translated stream, time per chunk p99 (slowest translator)",
        `< ${BUDGET.translatedChunkP99Ms} ms`,
        slowest
          ? `${us(slowest.perChunk.p99)} (${slowest.translator}); passthrough ${us(reference?.perChunk.p99 ?? Number.NaN)}`
          : "—",
        verdict(slowest?.perChunk.p99 ?? Number.NaN, (v) => v < BUDGET.translatedChunkP99Ms),
      ),
    );
  }
  // Results from before the inference-pool phase have neither the results nor a reason: no rows.
  if (results.inferencePool || results.inferencePoolPending)
    out.push(...poolBudgetRows(results.inferencePool));
  if (results.pickerCost || results.pickerCostPending) out.push(pickerCostBudgetRow(results.pickerCost));
  if (results.consoleOverview || results.consoleOverviewPending) {
    for (const store of ["sqlite", "postgres"]) {
      out.push(
        consoleOverviewBudgetRow(
          store,
          results.consoleOverview?.find((r) => r.store === store),
        ),
      );
    }
  }
  if (results.mcp || results.mcpPending) mcpBudgetRows(out, results.mcp);
  out.push(
    "",
    "Added latency is the gateway's percentile minus the direct percentile, per round, median over rounds.",
    `The minimal proxy (the floor of a Node proxy) adds p50 ${ms(addedP50.proxy)}, p99 ${ms(addedP99.proxy)}, first byte p99 ${ms(addedFirstByte.proxy)}.`,
    "",
  );

  out.push("### Max throughput (closed loop)", "");
  out.push(
    "| Target | req/s (median) | per round | CPU: client / simulator / target / other | latency p50 / p99 | failures |",
  );
  out.push("|---|---|---|---|---|---|");
  for (const name of targetNames(results.maxThroughput)) {
    const runs = runsOf(results.maxThroughput, name);
    const typical = medianRun(runs, (run) => run.result.requestsPerSecond);
    out.push(
      `| ${name} | ${fmt(rps(name), 0)} | ${runs.map((run) => fmt(run.result.requestsPerSecond, 0)).join(", ")} | ${cpuShares(typical, name)} | ${ms(typical.result.latency.p50)} / ${ms(typical.result.latency.p99)} | ${failures(runs)} |`,
    );
    const references = pairsOf(results.maxThroughput, name).map(({ reference }) => reference);
    if (references.length > 0) {
      const perSecond = references.map((run) => run.result.requestsPerSecond);
      const middle = medianRun(references, (run) => run.result.requestsPerSecond);
      out.push(
        `| ↳ gateway beside it | ${fmt(median(perSecond), 0)} | ${perSecond.map((v) => fmt(v, 0)).join(", ")} | ${cpuShares(middle, "gateway")} | ${ms(middle.result.latency.p50)} / ${ms(middle.result.latency.p99)} | ${failures(references)} |`,
      );
    }
  }
  const measured = new Set(targetNames(results.maxThroughput));
  const measuredFeatures = features.filter((feature) => measured.has(feature.name));
  if (measuredFeatures.length > 0) {
    out.push(
      "",
      pairsMeasured(results.maxThroughput)
        ? pairsAtOnce(results.maxThroughput)
          ? "Each feature row is another gateway process (same bin, flags and core; no usage ledger unless it measures the ledger), started afresh for every round with a plain gateway of its own (the ↳ row), the two loaded at once (a load generator each, sharing the servers' core), so their req/s are each about half of a lone gateway's; the budget is the capacity ratio, the plain gateway's CPU a request over the feature's (its Redis or PostgreSQL included), per window. The feature's gateway:"
          : "Each feature row is another gateway process (same bin, flags and core; no usage ledger unless it measures the ledger), started afresh for every round with a plain gateway of its own beside it (the ↳ row), the two measured back to back in turns first; the feature's gateway:"
        : "Each feature row is another gateway process (same bin, flags and core; no usage ledger unless it measures the ledger) that:",
      "",
      ...measuredFeatures.map((feature) => `- "${feature.name}" ${feature.description}.`),
    );
  }
  if (targetNames(results.maxThroughput).includes(BEDROCK)) {
    out.push(
      "",
      `${BEDROCK}: a second gateway process (same bin, flags and core) routing model \`bench-bedrock\` as OpenAI chat → Bedrock Converse, ` +
        "SigV4-signed, to the fake providers (bench/serve-fake-providers.ts) answering a ~700-byte Converse body at once; their CPU is in the simulator column.",
    );
  }
  if (targetNames(results.maxThroughput).includes(GEMINI)) {
    out.push(
      "",
      `${GEMINI} and ${AZURE}: the same process and fake (bench/gateway-gemini-azure.yaml): model \`bench-gemini\` as OpenAI chat → Gemini \`generateContent\` ` +
        "with a GCPCredentials policy (a generated service-account key; its token fetched once from the fake and cached), model `bench-azure` to an Azure OpenAI deployment path with an `api-key`; each fake answer is ~700 bytes.",
    );
  }
  if (targetNames(results.maxThroughput).includes(BEDROCK_UNSIGNED)) {
    out.push(
      "",
      `${BEDROCK_UNSIGNED}: the same process, translation and fake, model \`bench-bedrock-unsigned\` routed to a backend without a BackendSecurityPolicy, so nothing is signed.`,
    );
  }
  // After the notes on the max-throughput table, which a section of its own would cut off from it.
  if (runsOf(results.maxThroughput, CONSOLE_OPEN).some((run) => run.consolePoller)) {
    consolePollerTable(out, results.maxThroughput);
  }
  out.push("");
  latencyTable(
    out,
    `Latency at ${settings.rate} req/s (open loop, non-streaming)`,
    results.latency,
    "latency",
  );
  latencyTable(
    out,
    `Time to first streamed byte at ${settings.rate} req/s (open loop)`,
    results.streamFirstByte,
    "firstByte",
  );

  if (memory) {
    out.push("### Gateway memory (VmRSS)", "");
    out.push(
      `Started ${mb(memory.startedBytes)}; idle after warm-up ${mb(memory.idleBytes)}; idle 3 s after the soak ${mb(memory.idleAfterSoakBytes)}. ` +
        `For reference, the minimal proxy after the same warm-up: ${mb(results.proxyIdleBytes)}.`,
      "",
      `Soak samples (s: MB): ${thin(memory.soak, 12)
        .map((sample) => `${Math.round(sample.seconds)}: ${(sample.bytes / 2 ** 20).toFixed(1)}`)
        .join(", ")}.`,
      "",
      `Soak latency p50 ${ms(memory.soakRun.result.latency.p50)}, p99 ${ms(memory.soakRun.result.latency.p99)}, ` +
        `p99.9 ${ms(memory.soakRun.result.latency.p999)}; ${memory.soakRun.result.completed} requests, failures: ${failures([memory.soakRun])}; ` +
        `gateway CPU ${pct(memory.soakRun.cpu["gateway"] ?? Number.NaN)} of a core.`,
      "",
    );
  }
  if (results.chunkCost) chunkCostTable(out, results.chunkCost);
  if (results.inferencePool) inferencePoolTable(out, results.inferencePool);
  if (results.pickerCost) pickerCostTable(out, results.pickerCost);
  if (results.consoleOverview) consoleOverviewTable(out, results.consoleOverview);
  if (results.mcp) mcpTable(out, results.mcp);
  return `${out.join("\n")}\n`;
}

/**
 * Not a budget of its own: the claim is that an open console costs the request path nothing
 * measurable, so the console gateway against the same ledger gateway closed, in the same rounds
 * (per round too, which shows what the noise alone moves).
 */
function consoleAgainstLedgerRow(rounds: TargetRun[][]): string {
  const rps = (name: TargetName) => medianOf(rounds, name, (run) => run.result.requestsPerSecond);
  const perRound = rounds.map((runs) => {
    const open = runs.find((run) => run.target === CONSOLE_OPEN);
    const closed = runs.find((run) => run.target === LEDGER);
    return open && closed ? open.result.requestsPerSecond / closed.result.requestsPerSecond : Number.NaN;
  });
  return row(
    "The same against the ledger alone (console closed)",
    "no measurable difference",
    `${fmt(rps(CONSOLE_OPEN) / rps(LEDGER), 2)} × (${fmt(rps(CONSOLE_OPEN), 0)} vs ${fmt(rps(LEDGER), 0)} req/s; per round ${perRound.map((ratio) => fmt(ratio, 2)).join(", ")})`,
    "reference",
  );
}

/** What the open console's poller got while the console gateway was measured, by endpoint. */
function consolePollerTable(out: string[], rounds: TargetRun[][]): void {
  const runs = runsOf(rounds, CONSOLE_OPEN);
  const polled = runs.flatMap((run) => (run.consolePoller ? [run.consolePoller] : []));
  out.push(
    "",
    `### Open console: what its poller got while "${CONSOLE_OPEN}" was measured`,
    "",
    "| Endpoint (under /console/api/) | every | answers | p50 | p99 | max | bytes per answer |",
    "|---|---|---|---|---|---|---|",
  );
  for (const [path, first] of Object.entries(polled[0]?.endpoints ?? {})) {
    const stats = polled.flatMap((poller) => poller.endpoints[path] ?? []);
    const pick = (f: (l: LatencySummary) => number) => median(stats.map((endpoint) => f(endpoint.latency)));
    const answers: Record<string, number> = {};
    for (const endpoint of stats) {
      for (const [status, count] of Object.entries(endpoint.answers))
        answers[status] = (answers[status] ?? 0) + count;
    }
    const count = Object.values(answers).reduce((sum, n) => sum + n, 0);
    const bytes = stats.reduce((sum, endpoint) => sum + endpoint.bytes, 0);
    const shown = Object.entries(answers)
      .map(([status, n]) => `${n} × ${status === "0" ? "error" : status}`)
      .join(", ");
    out.push(
      `| \`${path}\` | ${first.intervalSeconds} s | ${shown} | ${ms(pick((l) => l.p50))} | ${ms(pick((l) => l.p99))} | ${ms(pick((l) => l.max))} | ${fmt(bytes / count, 0)} |`,
    );
  }
  const refusals = polled.flatMap((poller, i) =>
    Object.entries(poller.endpoints).flatMap(([path, endpoint]) =>
      endpoint.firstRefusal
        ? [`measurement ${i + 1}, ${path}: ${endpoint.firstRefusal.status} ${endpoint.firstRefusal.body}`]
        : [],
    ),
  );
  const records = polled.reduce((sum, poller) => sum + poller.records, 0);
  out.push(
    "",
    `Answers summed over ${polled.length} measurement(s), percentiles (send to last body byte) medians over them; ` +
      `the requests polls returned ${records} decision record(s) in all. ` +
      `The poller used ${pct(median(runs.map((run) => run.cpu["console poller"] ?? Number.NaN)))} of a core. ` +
      `Max throughput with the console open ${throughputOf(rounds, CONSOLE_OPEN)}, with it closed ("${LEDGER}") ${throughputOf(rounds, LEDGER)}; each the round of median req/s.`,
  );
  if (refusals.length > 0) {
    out.push(
      "",
      "The first answer other than 200 of each endpoint that had one:",
      "",
      "```",
      ...refusals,
      "```",
    );
  }
}

/** A target's max-throughput round of median req/s: its req/s, latency and gateway CPU. */
function throughputOf(rounds: TargetRun[][], name: TargetName): string {
  const runs = runsOf(rounds, name);
  if (runs.length === 0) return "— (not measured)";
  const run = medianRun(runs, (r) => r.result.requestsPerSecond);
  return (
    `${fmt(run.result.requestsPerSecond, 0)} req/s (latency p50 ${ms(run.result.latency.p50)}, p99 ${ms(run.result.latency.p99)}, ` +
    `gateway CPU ${pct(run.cpu[name] ?? Number.NaN)} of a core)`
  );
}

/** The two budget rows of issue 13's pool benchmark; "pending" (with "—") without results. */
function poolBudgetRows(pool: InferencePoolResults | undefined): string[] {
  const ttft = pool?.p90TtftRatio ?? Number.NaN;
  const tokens = pool?.tokensPerSecondRatio ?? Number.NaN;
  return [
    row(
      "Inference pool: p90 time to first token, picker / round-robin",
      `≤ ${BUDGET.poolP90TtftRatio} × round-robin`,
      pool ? `${fmt(ttft, 2)} × (${ms(pool.picker.ttftMs.p90)} vs ${ms(pool.roundRobin.ttftMs.p90)})` : "—",
      verdict(ttft, (v) => v <= BUDGET.poolP90TtftRatio),
    ),
    row(
      "Inference pool: output tokens/s, picker / round-robin",
      `≥ ${BUDGET.poolTokensPerSecondRatio} × round-robin`,
      pool
        ? `${fmt(tokens, 2)} × (${fmt(pool.picker.outputTokensPerSecond, 0)} vs ${fmt(pool.roundRobin.outputTokensPerSecond, 0)} tokens/s)`
        : "—",
      verdict(tokens, (v) => v >= BUDGET.poolTokensPerSecondRatio),
    ),
  ];
}

function pickerCostBudgetRow(cost: PickerCostResults | undefined): string {
  const perPick = cost?.output.perPickUs;
  return row(
    `Endpoint picker: time per pick p50${cost ? ` at ${cost.job.rate} picks/s` : ""} (p99 shown)`,
    `< ${BUDGET.pickP50Us} µs`,
    perPick ? `${us(perPick.p50 / 1000)} (p99 ${us(perPick.p99 / 1000)})` : "—",
    verdict(perPick?.p50 ?? Number.NaN, (v) => v < BUDGET.pickP50Us),
  );
}

function consoleOverviewBudgetRow(store: string, result: ConsoleOverviewResult | undefined): string {
  const name = store === "sqlite" ? "SQLite" : "PostgreSQL";
  return row(
    `Console overview of 30 days of ${result ? result.records.toLocaleString("en-US") : "1,000,000"} ledger records, ${name} (p95)`,
    `<= ${BUDGET.consoleOverviewMs} ms`,
    result ? `${ms(result.p95Ms)} (p50 ${ms(result.p50Ms)})` : "—",
    verdict(result?.p95Ms ?? Number.NaN, (v) => v <= BUDGET.consoleOverviewMs),
  );
}

function consoleOverviewTable(out: string[], results: ConsoleOverviewResult[]): void {
  out.push("### Console overview over the ledger", "");
  out.push(
    "| store | records | fill | hourly buckets | answer | p50 | p95 | max |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const r of results) {
    out.push(
      `| ${r.store} | ${r.records} | ${fmt(r.fillSeconds, 1)} s | ${r.buckets} | ${fmt(r.answerBytes / 1024, 0)} KiB | ${ms(r.p50Ms)} | ${ms(r.p95Ms)} | ${ms(r.maxMs)} |`,
    );
  }
  out.push(
    "",
    "`bench/console-overview-bench.ts`: a fresh SQLite file (through the ledger's worker thread) and a fresh PostgreSQL database filled with the records " +
      "spread over 30 days (3 tenants, 2 models, 6 consumers, some 429/5xx, a cost key) by the stores' own batched insert, then the console's overview endpoint " +
      "(`range=30d`, from the hourly rollups to its JSON answer) timed 20 times, in one process on the client's core.",
    "",
  );
}

function inferencePoolTable(out: string[], pool: InferencePoolResults): void {
  out.push("### Inference pool: built-in picker vs round-robin", "");
  out.push("| Picker | requests | errors | TTFT p50 | TTFT p90 | TTFT p99 | output tokens/s |");
  out.push("|---|---|---|---|---|---|---|");
  for (const [name, result] of [
    ["built-in (defaults)", pool.picker],
    ["round-robin-picker", pool.roundRobin],
  ] as const) {
    const l = result.ttftMs;
    out.push(
      `| ${name} | ${result.completed} | ${result.errors} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${fmt(result.outputTokensPerSecond, 0)} |`,
    );
  }
  const w = pool.workload;
  out.push(
    "",
    `The shared-prefix workload through \`aigw run\` to an InferencePool of ${pool.replicas} simulated replicas (\`aigw sim ${pool.simFlags}\`), ` +
      `each picker on freshly started replicas and its own gateway: ${w.concurrency} clients in a closed loop, ${w.groups} groups of ${w.prefixTokens}-token prefixes, ` +
      `${w.questionTokens}-token questions, max_tokens ${w.maxTokens}; ${w.warmupMs ?? 0} ms warm-up, ${w.durationMs} ms measured, ` +
      `${pool.settleMs} ms of scrapes before the first request. TTFT is send to first body byte. Pinning: ${pool.pinning}.`,
    "",
  );
}

function pickerCostTable(out: string[], cost: PickerCostResults): void {
  const l = cost.output.perPickUs;
  const h = cost.output.hash16kUs;
  out.push("### Endpoint picker: time per pick (in-process)", "");
  out.push("| | p50 | p90 | p99 | p99.9 | max | mean |", "|---|---|---|---|---|---|---|");
  for (const [name, s] of [
    ["pick (8 KB prompt)", l],
    ["hash a 16 KB prompt", h],
  ] as const) {
    out.push(
      `| ${name} | ${us(s.p50 / 1000)} | ${us(s.p90 / 1000)} | ${us(s.p99 / 1000)} | ${us(s.p999 / 1000)} | ${us(s.max / 1000)} | ${us(s.mean / 1000)} |`,
    );
  }
  out.push(
    "",
    `\`bench/picker-cost.ts\`: ${cost.output.picks} picks paced at ${cost.job.rate} per second after ${cost.job.warmupPicks} warm-up picks, ` +
      "8 endpoints with fresh metrics (scraped every 50 ms in the same thread), a prefix index warmed with 20 shared 8 KB system prompts; " +
      `one process on the servers' core with the gateway's Node flags${cost.nodeFlags.length ? ` (\`${cost.nodeFlags.join(" ")}\`)` : ""}.`,
    "",
  );
}

/** The slowest upstream to initialize directly: the one whose p50 is highest. */
function slowestInitialize(init: McpInitializeResults): { name: string; p50: number } {
  let slowest = { name: "—", p50: Number.NaN };
  for (const [name, l] of Object.entries(init.direct)) {
    if (Number.isNaN(slowest.p50) || l.p50 > slowest.p50) slowest = { name, p50: l.p50 };
  }
  return slowest;
}

function mcpBudgetRows(out: string[], mcp: McpBenchResults | undefined): void {
  const call = mcp?.toolsCall;
  const addedP50 = call ? call.gateway.p50 - call.direct.p50 : Number.NaN;
  const addedP99 = call ? call.gateway.p99 - call.direct.p99 : Number.NaN;
  // The budget's measure: lean upstreams, whose slowest is slow by its delay alone (runs before
  // 2026-12-04 have only the SDK upstreams').
  const init = mcp ? (mcp.leanInitialize ?? mcp.initialize) : undefined;
  const slowest = init ? slowestInitialize(init) : { name: "—", p50: Number.NaN };
  const gatewayInit = init?.gateway.p50 ?? Number.NaN;
  const over = gatewayInit - slowest.p50;
  out.push(
    row(
      "MCP tools/call added p50",
      `< ${BUDGET.mcpAddedP50Ms} ms`,
      call ? `${ms(addedP50)} (${ms(call.gateway.p50)} vs ${ms(call.direct.p50)} direct)` : "—",
      verdict(addedP50, (v) => v < BUDGET.mcpAddedP50Ms),
    ),
    row(
      "MCP tools/call added p99",
      `< ${BUDGET.mcpAddedP99Ms} ms`,
      call ? `${ms(addedP99)} (${ms(call.gateway.p99)} vs ${ms(call.direct.p99)} direct)` : "—",
      verdict(addedP99, (v) => v < BUDGET.mcpAddedP99Ms),
    ),
    row(
      `MCP initialize over ${init ? Object.keys(init.direct).length : 3} ${mcp?.leanInitialize ? "lean " : ""}backends, p50`,
      `≤ slowest + ${BUDGET.mcpInitializeOverSlowestMs} ms`,
      mcp
        ? `${ms(gatewayInit)} vs slowest ${ms(slowest.p50)} (${slowest.name}): ${sign(over)}${ms(over)}`
        : "—",
      verdict(over, (v) => v <= BUDGET.mcpInitializeOverSlowestMs),
    ),
  );
  // Not budgets of their own: the slowest backend with its siblings initializing beside it, on the
  // same core, as the gateway's fan-out meets it (how much of a gap is the gateway's); and the SDK
  // upstreams, whose ≈ 2 ms of CPU per initialize delays the slowest one's start when all three
  // share a core.
  if (mcp && init) {
    const atOnce = init.directAtOnce.p50;
    out.push(
      row(
        "The same against the client's own fan-out (all three directly at once), p50",
        "—",
        `${ms(gatewayInit)} vs ${ms(atOnce)}: ${sign(gatewayInit - atOnce)}${ms(gatewayInit - atOnce)}`,
        "reference",
      ),
    );
  }
  if (mcp?.leanInitialize) {
    const sdkSlowest = slowestInitialize(mcp.initialize);
    const sdkOver = mcp.initialize.gateway.p50 - sdkSlowest.p50;
    out.push(
      row(
        "The same over the SDK upstreams (sharing one core), p50",
        "—",
        `${ms(mcp.initialize.gateway.p50)} vs slowest ${ms(sdkSlowest.p50)} (${sdkSlowest.name}): ${sign(sdkOver)}${ms(sdkOver)}`,
        "reference",
      ),
    );
  }
}

function mcpTable(out: string[], mcp: McpBenchResults): void {
  const { toolsCall: call, initialize: init } = mcp;
  const slowest = slowestInitialize(init);
  out.push("### MCP gateway: tools/call and initialize", "");
  out.push("| Request | Path | p50 | p90 | p99 | p99.9 | max | mean | count | failures |");
  out.push("|---|---|---|---|---|---|---|---|---|---|");
  const line = (request: string, path: string, l: LatencySummary, failed: number | string) =>
    out.push(
      `| ${request} | ${path} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.p999)} | ${ms(l.max)} | ${ms(l.mean)} | ${l.count} | ${failed} |`,
    );
  line("tools/call", "direct to a", call.direct, call.failures.direct);
  line("tools/call", "gateway (`a__echo`)", call.gateway, call.failures.gateway);
  line("tools/call", "gateway − direct, call by call", call.pairedAdded, "—");
  const initializeLines = (set: McpInitializeResults, kind: string) => {
    for (const [name, l] of Object.entries(set.direct)) {
      const delay = name === slowest.name && set.delayMs > 0 ? ` (+${set.delayMs} ms delay)` : "";
      line(`initialize, ${kind}`, `direct to ${name}${delay}`, l, "—");
    }
    line(
      `initialize, ${kind}`,
      "direct to all three at once (until the last answered)",
      set.directAtOnce,
      "—",
    );
    line(`initialize, ${kind}`, "gateway (fan-out to all)", set.gateway, set.failures.gateway);
  };
  initializeLines(init, "SDK upstreams");
  if (mcp.leanInitialize) initializeLines(mcp.leanInitialize, "lean upstreams");
  out.push(
    "",
    `Three MCP upstreams (bench/serve-mcp-upstream.ts: the official v1 SDK's McpServer and StreamableHTTPServerTransport, stateful, SSE answers) ` +
      `and \`aigw run bench/gateway-mcp.yaml\` (one MCPRoute over them), each its own process; upstream ${slowest.name} holds every initialize ${init.delayMs} ms. ` +
      (mcp.leanInitialize
        ? "Initialize is measured over them and over three lean upstreams with a gateway of their own (bench/serve-lean-mcp-upstream.ts: Streamable HTTP by hand, JSON answers, microseconds of CPU per request, so their sharing one core doesn't delay the slowest one's start), round-robin together; the budget is the lean set's. "
        : "") +
      `A lean client (JSON-RPC over one keep-alive undici connection per target, one request at a time, every answer read to its end and checked) ` +
      `alternates ${call.calls} tools/call direct and through the gateway after ${call.warmupCalls} warm-up pairs, ` +
      `then initializes ${init.rounds} new sessions per target round-robin after ${init.warmupRounds} warm-up rounds (each session ended with an untimed DELETE; ` +
      `${init.failures.direct} direct failure(s)). Added = gateway percentile − direct percentile. ` +
      `CPU over the phase: client ${pct(mcp.cpu.client)}, gateway ${pct(mcp.cpu.gateway)}, upstreams ${pct(mcp.cpu.upstreams)}, other processes ${pct(mcp.cpu.other)} of a core.`,
    "",
  );
}

function sign(value: number): string {
  return value >= 0 ? "+" : "";
}

function chunkCostTable(out: string[], cost: ChunkCostResults): void {
  out.push("### Translated streams: time per chunk (in-process)", "");
  out.push(
    `| Translator | chunks per stream | client bytes per stream | p50 | p90 | p99 | p99.9 | max | mean | p99 < ${BUDGET.translatedChunkP99Ms} ms |`,
  );
  out.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const row of cost.rows) {
    const l = row.perChunk;
    const result = row.passthrough
      ? "reference"
      : `**${verdict(l.p99, (v) => v < BUDGET.translatedChunkP99Ms)}**`;
    out.push(
      `| ${row.translator} | ${row.chunksPerStream} | ${row.clientBytesPerStream} | ${us(l.p50)} | ${us(l.p90)} | ${us(l.p99)} | ${us(l.p999)} | ${us(l.max)} | ${us(l.mean)} | ${result} |`,
    );
  }
  out.push(
    "",
    `One upstream event per chunk, as a model streams token by token; each \`chunk()\` call and the stream's \`end()\` timed with \`process.hrtime.bigint()\` ` +
      `(the clock's own cost is in every sample: the passthrough row is the floor). ${cost.streams} streams per translator after ${cost.warmupStreams} warm-up streams, ` +
      `interleaved in batches, one process on the servers' core with the gateway's Node flags${cost.nodeFlags.length ? ` (\`${cost.nodeFlags.join(" ")}\`)` : ""}; ` +
      `other processes used ${pct(cost.cpu.other)} of a core meanwhile.`,
    "",
  );
}

/** The translator with the highest p99 per chunk, and the passthrough reference. */
function chunkCostExtremes(cost: ChunkCostResults) {
  const translated = cost.rows.filter((row) => !row.passthrough);
  const slowest = translated.reduce<(typeof translated)[number] | undefined>(
    (worst, row) => (worst === undefined || row.perChunk.p99 > worst.perChunk.p99 ? row : worst),
    undefined,
  );
  return { slowest, reference: cost.rows.find((row) => row.passthrough) };
}

function latencyTable(out: string[], title: string, rounds: TargetRun[][], field: "latency" | "firstByte") {
  out.push(`### ${title}`, "");
  out.push(
    "| Target | p50 | p90 | p99 | p99.9 | max | added p50 / p99 | send lag p99 | other CPU | failures |",
  );
  out.push("|---|---|---|---|---|---|---|---|---|---|");
  const addedP50 = addedOverDirect(rounds, (l) => l.p50, field);
  const addedP99 = addedOverDirect(rounds, (l) => l.p99, field);
  for (const name of targetNames(rounds)) {
    const runs = runsOf(rounds, name);
    const pick = (f: (l: LatencySummary) => number) => median(runs.map((run) => f(run.result[field])));
    const added = name === "direct" ? "—" : `${ms(addedP50[keyOf(name)])} / ${ms(addedP99[keyOf(name)])}`;
    const lag = median(runs.map((run) => run.result.scheduleLag?.p99 ?? Number.NaN));
    const other = median(runs.map((run) => run.cpu["other"] ?? Number.NaN));
    out.push(
      `| ${name} | ${ms(pick((l) => l.p50))} | ${ms(pick((l) => l.p90))} | ${ms(pick((l) => l.p99))} | ${ms(pick((l) => l.p999))} | ${ms(pick((l) => l.max))} | ${added} | ${ms(lag)} | ${pct(other)} | ${failures(runs)} |`,
    );
  }
  out.push(
    "",
    "Percentiles are medians over rounds. Send lag: how late the generator sent against its schedule.",
    "",
  );
}

function keyOf(name: TargetName): "proxy" | "gateway" {
  return name === "gateway" ? "gateway" : "proxy";
}

/** Per round: target percentile minus direct percentile; median over rounds. */
function addedOverDirect(
  rounds: TargetRun[][],
  pick: (l: LatencySummary) => number,
  field: "latency" | "firstByte" = "latency",
): { proxy: number; gateway: number } {
  const added = (name: TargetName) =>
    median(
      rounds.map((runs) => {
        const direct = runs.find((run) => run.target === "direct");
        const target = runs.find((run) => run.target === name);
        return direct && target ? pick(target.result[field]) - pick(direct.result[field]) : Number.NaN;
      }),
    );
  return { proxy: added("minimal proxy"), gateway: added("gateway") };
}

/**
 * Whether RSS drifts: the median of the samples in the first window after warm-up effects settle
 * against the median of the last window. V8 grows and shrinks its heap around every major GC, so a
 * single reading can land on a peak or a trough; a leak moves the median, a GC cycle does not.
 */
function soakGrowth(samples: { seconds: number; bytes: number }[]) {
  const end = samples.at(-1);
  if (!end) return undefined;
  const settle = Math.min(30, end.seconds / 4);
  const window = Math.max(5, Math.min(60, end.seconds / 5));
  const early = samples
    .filter((s) => s.seconds >= settle && s.seconds <= settle + window)
    .map((s) => s.bytes);
  const late = samples.filter((s) => s.seconds >= end.seconds - window).map((s) => s.bytes);
  const earlyMedian = median(early.length > 0 ? early : [end.bytes]);
  const lateMedian = median(late);
  return {
    description: `median ${mb(earlyMedian)} in ${Math.round(settle)}–${Math.round(settle + window)} s → median ${mb(lateMedian)} in the last ${Math.round(window)} s`,
    ratio: (lateMedian - earlyMedian) / earlyMedian,
  };
}

function cpuShares(run: TargetRun, name: TargetName): string {
  // The translated targets are one gateway process, whose CPU is recorded under its server name.
  const translated = TRANSLATED.includes(name);
  const server = translated ? BEDROCK : name;
  let target = name === "direct" ? "—" : pct(run.cpu[server] ?? Number.NaN);
  // The server a feature gateway works with (Redis, PostgreSQL) goes with the target's share, not into "other".
  for (const server of ["Redis", "PostgreSQL"]) {
    if (run.cpu[server] !== undefined) target += ` + ${server} ${pct(run.cpu[server])}`;
  }
  // Runs recorded before the fake providers served Gemini and Azure named it "fake Bedrock".
  const upstream =
    (translated ? (run.cpu["fake providers"] ?? run.cpu["fake Bedrock"]) : run.cpu.simulator) ?? Number.NaN;
  return `${pct(run.cpu["client"] ?? Number.NaN)} / ${pct(upstream)} / ${target} / ${pct(run.cpu["other"] ?? Number.NaN)}`;
}

function pendingBlock(out: string[], heading: string, reason: string): void {
  out.push(heading, "", "```", reason, "```", "");
}

function targetNames(rounds: TargetRun[][]): TargetName[] {
  return (rounds[0] ?? []).flatMap((run) => (run.referenceFor ? [] : [run.target]));
}

/** A target's own runs: the plain gateway's runs beside the features are not among them. */
function runsOf(rounds: TargetRun[][], name: TargetName): TargetRun[] {
  return rounds.flatMap((runs) => runs.filter((run) => run.target === name && !run.referenceFor));
}

/** Results whose feature pairs were loaded at once (measureAtOnce in run-bench.ts). */
function pairsAtOnce(rounds: TargetRun[][]): boolean {
  return rounds.some((runs) => runs.some((run) => run.atOnce));
}

/** Results whose features were measured beside plain gateways of their own (pairsOf). */
function pairsMeasured(rounds: TargetRun[][]): boolean {
  return rounds.some((runs) => runs.some((run) => run.referenceFor !== undefined));
}

/**
 * A feature's runs with the plain gateway's run beside each, one pair a round; none in results from
 * before the pairs were measured (their features were compared with the round's one gateway run).
 */
function pairsOf(rounds: TargetRun[][], name: TargetName): { on: TargetRun; reference: TargetRun }[] {
  return rounds.flatMap((runs) => {
    const on = runs.find((run) => run.target === name && !run.referenceFor);
    const reference = runs.find((run) => run.referenceFor === name);
    return on && reference ? [{ on, reference }] : [];
  });
}

function medianOf(rounds: TargetRun[][], name: TargetName, pick: (run: TargetRun) => number): number {
  return median(runsOf(rounds, name).map(pick));
}

function medianRun(runs: TargetRun[], pick: (run: TargetRun) => number): TargetRun {
  const sorted = [...runs].sort((a, b) => pick(a) - pick(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function failures(runs: TargetRun[]): string {
  const counts: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.result.failures))
      counts[status] = (counts[status] ?? 0) + count;
  }
  const entries = Object.entries(counts);
  return entries.length === 0
    ? "0"
    : entries.map(([status, count]) => `${count} × ${status === "0" ? "error" : status}`).join(", ");
}

function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)]!);
}

function row(budget: string, target: string, measured: string, result: Verdict | "reference"): string {
  const shown = result === "pending" || result === "reference" ? result : `**${result}**`;
  return `| ${budget} | ${target} | ${measured} | ${shown} |`;
}

function verdict(value: number, ok: (value: number) => boolean): Verdict {
  if (Number.isNaN(value)) return "pending";
  return ok(value) ? "PASS" : "MISS";
}

function fmt(value: number, digits: number): string {
  return Number.isNaN(value) ? "—" : value.toFixed(digits);
}

function ms(value: number): string {
  return Number.isNaN(value) ? "—" : `${value >= 0 && value < 10 ? value.toFixed(3) : value.toFixed(2)} ms`;
}

/** Milliseconds shown in microseconds: per-chunk costs are far below what `ms` resolves. */
function us(valueMs: number): string {
  return Number.isNaN(valueMs) ? "—" : `${(valueMs * 1000).toFixed(valueMs < 0.01 ? 2 : 1)} µs`;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function pct(fraction: number): string {
  return Number.isNaN(fraction)
    ? "—"
    : `${(fraction * 100).toFixed(fraction < 0.1 && fraction > -0.1 ? 1 : 0)} %`;
}
