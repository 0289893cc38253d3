import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BenchResults, FeatureBudget, TargetName, TargetRun } from "../../bench/bench-results.js";
import type { LatencySummary } from "../../bench/percentiles.js";
import { renderReport } from "../../bench/render-report.js";
import { benchResults } from "./bench-results-fixture.js";

const latency: LatencySummary = { count: 100, mean: 4, p50: 4, p90: 6, p99: 9, p999: 9, max: 9 };

function run(target: TargetName, requestsPerSecond: number, referenceFor?: TargetName): TargetRun {
  return {
    target,
    result: {
      mode: "closed",
      completed: requestsPerSecond * 10,
      failures: {},
      elapsedSeconds: 10,
      requestsPerSecond,
      latency,
      firstByte: latency,
      clientCpuSeconds: 4,
    },
    cpu: { client: 0.4, simulator: 0.5, [target]: 0.9, other: 0.01 },
    ...(referenceFor ? { referenceFor } : {}),
  };
}

const JWT: FeatureBudget = {
  name: "gateway + JWT",
  budget: "Max throughput with JWT authentication",
  ratio: 0.9,
  description: "JWT on",
};
const TELEMETRY_OFF: FeatureBudget = {
  name: "gateway, telemetry off",
  budget: "Max throughput with metrics and the access log on",
  ratio: 0.95,
  inverse: true,
  description: "telemetry off",
};

function results(maxThroughput: TargetRun[][]): BenchResults {
  return benchResults({ features: [TELEMETRY_OFF, JWT], maxThroughput });
}

const line = (report: string, start: string): string | undefined =>
  report.split("\n").find((l) => l.startsWith(`| ${start}`));

describe("bench report: feature budgets", () => {
  it("takes a feature's ratio per pair with the gateway run beside it, the median of the pairs", () => {
    // The host slows down over the rounds: the round's own gateway run would make JWT miss
    // (8000 / 10000 in the middle round), the runs beside it say 0.95.
    const report = renderReport(
      results([
        [run("gateway", 10_000), run("gateway", 6000, "gateway + JWT"), run("gateway + JWT", 5700)],
        [run("gateway", 10_000), run("gateway + JWT", 8000), run("gateway", 8400, "gateway + JWT")],
        [run("gateway", 10_000), run("gateway", 9000, "gateway + JWT"), run("gateway + JWT", 8600)],
      ]),
    );
    assert.equal(
      line(report, JWT.budget),
      `| ${JWT.budget} | ≥ 0.9 × gateway | 0.95 × (median of 3 pairs: 0.95, 0.95, 0.96; 8000 req/s with it, 8400 the plain gateway beside it) | **PASS** |`,
    );
    // The gateway's own row counts only its own runs; the runs beside the feature have a row of theirs.
    assert.match(line(report, "gateway |")!, /^\| gateway \| 10000 \| 10000, 10000, 10000 \|/);
    assert.match(
      line(report, "↳ gateway beside it")!,
      /^\| ↳ gateway beside it \| 8400 \| 6000, 8400, 9000 \|/,
    );
  });

  it("an inverse feature is the gateway beside it over the feature's run, and misses below its ratio", () => {
    const report = renderReport(
      results([
        [run("gateway", 9000), run("gateway", 9000, TELEMETRY_OFF.name), run(TELEMETRY_OFF.name, 10_000)],
      ]),
    );
    assert.match(
      line(report, TELEMETRY_OFF.budget)!,
      /\| 0\.90 × \(median of 1 pairs: 0\.90;.*\| \*\*MISS\*\* \|$/,
    );
  });

  it("pairs loaded at once are judged by capacity: the plain gateway's CPU a request over the feature's", () => {
    const atOnce = (target: TargetName, rps: number, us: number, referenceFor?: TargetName): TargetRun => ({
      ...run(target, rps, referenceFor),
      atOnce: true,
      cpuPerRequestUs: us,
    });
    const report = renderReport(
      results([
        // Throughput alone would say 0.97 in every window; the CPU says what a core can serve.
        [atOnce("gateway", 4000, 100, JWT.name), atOnce(JWT.name, 3880, 110)],
        [atOnce("gateway", 3000, 130, JWT.name), atOnce(JWT.name, 2910, 150)],
        [atOnce("gateway", 5000, 80, JWT.name), atOnce(JWT.name, 4850, 85)],
        [atOnce("gateway", 5000, 80, TELEMETRY_OFF.name), atOnce(TELEMETRY_OFF.name, 5100, 76)],
      ]),
    );
    assert.equal(
      line(report, JWT.budget),
      `| ${JWT.budget} | ≥ 0.9 × gateway | 0.91 × (median of 3 windows: 0.91, 0.87, 0.94; 110.0 vs 100.0 µs CPU a request; req/s at once 0.97 ×) | **PASS** |`,
    );
    // Inverse: what the plain gateway (telemetry on) keeps of the telemetry-off one's capacity.
    assert.match(
      line(report, TELEMETRY_OFF.budget)!,
      /\| 0\.95 × \(median of 1 windows: 0\.95; 76\.0 vs 80\.0 µs/,
    );
    assert.match(report, /the two loaded at once/);
  });

  it("results from before the pairs compare a feature with the round's gateway run", () => {
    const report = renderReport(
      results([
        [run("gateway", 10_000), run("gateway + JWT", 9500)],
        [run("gateway", 9000), run("gateway + JWT", 7000)],
      ]),
    );
    assert.equal(
      line(report, JWT.budget),
      `| ${JWT.budget} | ≥ 0.9 × gateway | 0.87 × (8250 vs 9500 req/s) | **MISS** |`,
    );
    assert.equal(line(report, "↳ gateway beside it"), undefined);
  });
});
