import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InferencePoolResults, PickerCostResults } from "../../bench/bench-results.js";
import type { LatencySummary } from "../../bench/percentiles.js";
import { renderReport } from "../../bench/render-report.js";
import type { SharedPrefixResult } from "../../bench/shared-prefix-workload.js";
import { benchResults } from "./bench-results-fixture.js";

const latency = (p50: number, p90: number, p99: number): LatencySummary => ({
  count: 100,
  mean: p50,
  p50,
  p90,
  p99,
  p999: p99,
  max: p99,
});

const run = (p90: number, tokensPerSecond: number, errors = 0): SharedPrefixResult => ({
  completed: 500,
  errors,
  elapsedSeconds: 20,
  ttftMs: latency(p90 / 2, p90, p90 * 1.5),
  outputTokens: tokensPerSecond * 20,
  outputTokensPerSecond: tokensPerSecond,
});

function pool(picker: SharedPrefixResult, roundRobin: SharedPrefixResult): InferencePoolResults {
  return {
    replicas: 4,
    simFlags: "--max-num-seqs 8",
    workload: {
      concurrency: 36,
      durationMs: 20000,
      warmupMs: 5000,
      groups: 8,
      prefixTokens: 2560,
      questionTokens: 64,
      maxTokens: 32,
    },
    settleMs: 300,
    pinning: "none",
    picker,
    roundRobin,
    p90TtftRatio: picker.ttftMs.p90 / roundRobin.ttftMs.p90,
    tokensPerSecondRatio: picker.outputTokensPerSecond / roundRobin.outputTokensPerSecond,
    errors: { picker: picker.errors, roundRobin: roundRobin.errors },
  };
}

function pickerCost(p50Us: number, p99Us: number): PickerCostResults {
  return {
    job: { rate: 1000, seconds: 10, warmupPicks: 5000 },
    nodeFlags: [],
    output: {
      picks: 10000,
      perPickUs: latency(p50Us, p99Us, p99Us),
      hash16kUs: latency(4, 5, 6),
      placed: {},
      cpuSeconds: 1,
    },
  };
}

const budgetRow = (report: string, budget: string): string | undefined =>
  report.split("\n").find((line) => line.startsWith(`| ${budget}`));

describe("bench report: the inference-pool and picker-cost budgets", () => {
  it("passes a picker at under half round-robin's p90 TTFT and 1.3x its tokens/s, picks under 100 µs", () => {
    const report = renderReport(
      benchResults({ inferencePool: pool(run(200, 1600), run(2000, 400)), pickerCost: pickerCost(38, 85) }),
    );
    assert.equal(
      budgetRow(report, "Inference pool: p90 time to first token"),
      "| Inference pool: p90 time to first token, picker / round-robin | ≤ 0.5 × round-robin | 0.10 × (200.00 ms vs 2000.00 ms) | **PASS** |",
    );
    assert.equal(
      budgetRow(report, "Inference pool: output tokens/s"),
      "| Inference pool: output tokens/s, picker / round-robin | ≥ 1.3 × round-robin | 4.00 × (1600 vs 400 tokens/s) | **PASS** |",
    );
    assert.equal(
      budgetRow(report, "Endpoint picker"),
      "| Endpoint picker: time per pick p50 at 1000 picks/s (p99 shown) | < 100 µs | 38.0 µs (p99 85.0 µs) | **PASS** |",
    );
    assert.match(
      report,
      /\| built-in \(defaults\) \| 500 \| 0 \| 100\.00 ms \| 200\.00 ms \| 300\.00 ms \| 1600 \|/,
    );
    assert.match(report, /\| pick \(8 KB prompt\) \| 38\.0 µs \|/);
  });

  it("misses each budget just past its bound", () => {
    const report = renderReport(
      benchResults({ inferencePool: pool(run(1001, 519), run(2000, 400)), pickerCost: pickerCost(100, 150) }),
    );
    assert.match(
      budgetRow(report, "Inference pool: p90 time to first token")!,
      /0\.50 × .*\| \*\*MISS\*\* \|$/,
    );
    assert.match(budgetRow(report, "Inference pool: output tokens/s")!, /1\.30 × .*\| \*\*MISS\*\* \|$/);
    assert.match(budgetRow(report, "Endpoint picker")!, /100\.0 µs .*\| \*\*MISS\*\* \|$/);
  });

  it("renders pending rows and the reason when a phase did not finish", () => {
    const report = renderReport(
      benchResults({
        inferencePoolPending: "gateway did not become ready",
        pickerCostPending: "picker-cost.js failed (1)",
      }),
    );
    assert.equal(
      budgetRow(report, "Inference pool: p90 time to first token"),
      "| Inference pool: p90 time to first token, picker / round-robin | ≤ 0.5 × round-robin | — | pending |",
    );
    assert.match(budgetRow(report, "Endpoint picker")!, /\| < 100 µs \| — \| pending \|$/);
    assert.match(
      report,
      /Inference pool rows are \*\*pending\*\*:\n\n```\ngateway did not become ready\n```/,
    );
    assert.match(
      report,
      /Endpoint picker cost rows are \*\*pending\*\*:\n\n```\npicker-cost\.js failed \(1\)\n```/,
    );
  });

  it("leaves the rows out of results from before the phase", () => {
    const report = renderReport(benchResults({}));
    assert.equal(budgetRow(report, "Inference pool"), undefined);
    assert.equal(budgetRow(report, "Endpoint picker"), undefined);
  });
});
