import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BENCH_DIST, runForJson } from "../../bench/bench-processes.js";
import type { BenchResults, McpBenchResults } from "../../bench/bench-results.js";
import type { McpBenchJob } from "../../bench/mcp-bench.js";
import type { LatencySummary } from "../../bench/percentiles.js";
import { renderReport } from "../../bench/render-report.js";
import { benchResults } from "./bench-results-fixture.js";

const DELAY_MS = 20;

function latency(p50: number, p99: number): LatencySummary {
  return { count: 100, mean: p50, p50, p90: p50, p99, p999: p99, max: p99 };
}

/** Results with nothing measured but the MCP phase. */
function results(mcp: McpBenchResults | undefined, mcpPending?: string): BenchResults {
  return benchResults({ ...(mcp ? { mcp } : {}), ...(mcpPending ? { mcpPending } : {}) });
}

function mcpResults(call: { direct: LatencySummary; gateway: LatencySummary }, gatewayInitP50: number) {
  return {
    toolsCall: {
      calls: 100,
      warmupCalls: 10,
      ...call,
      pairedAdded: latency(0, 0),
      failures: { direct: 0, gateway: 0 },
    },
    initialize: {
      rounds: 100,
      warmupRounds: 1,
      delayMs: DELAY_MS,
      direct: { a: latency(2, 3), b: latency(2.5, 3), c: latency(22, 25) },
      gateway: latency(gatewayInitP50, 30),
      directAtOnce: latency(23, 26),
      failures: { direct: 0, gateway: 0 },
    },
    cpu: { client: 0, gateway: 0, upstreams: 0, other: 0 },
    gatewayPid: 1,
  } satisfies McpBenchResults;
}

function budgetRow(report: string, budget: string): string {
  const line = report.split("\n").find((l) => l.startsWith(`| ${budget}`));
  assert.ok(line, `no row "${budget}" in\n${report}`);
  return line;
}

describe("MCP benchmark report", () => {
  it("passes the budgets on the percentile differences and against the slowest backend", () => {
    const report = renderReport(
      results(mcpResults({ direct: latency(0.5, 1), gateway: latency(1.2, 3.9) }, 23.5)),
    );
    assert.match(budgetRow(report, "MCP tools/call added p50"), /0\.700 ms .*\*\*PASS\*\*/);
    assert.match(budgetRow(report, "MCP tools/call added p99"), /2\.900 ms .*\*\*PASS\*\*/);
    // c (22 ms) is the slowest; the gateway's 23.5 ms is 1.5 ms over it.
    assert.match(
      budgetRow(report, "MCP initialize over 3 backends"),
      /slowest 22\.00 ms \(c\): \+1\.500 ms .*\*\*PASS\*\*/,
    );
    assert.match(
      budgetRow(report, "The same against the client's own fan-out"),
      /23\.50 ms vs 23\.00 ms: \+0\.500 ms \| reference/,
    );
    assert.match(report, /### MCP gateway: tools\/call and initialize/);
  });

  it("misses them when the gateway adds more", () => {
    const report = renderReport(
      results(mcpResults({ direct: latency(0.5, 1), gateway: latency(1.6, 4.1) }, 24.5)),
    );
    assert.match(budgetRow(report, "MCP tools/call added p50"), /\*\*MISS\*\*/);
    assert.match(budgetRow(report, "MCP tools/call added p99"), /\*\*MISS\*\*/);
    assert.match(budgetRow(report, "MCP initialize over 3 backends"), /\*\*MISS\*\*/);
  });

  it("judges initialize on the lean upstreams when measured, the SDK's kept as a reference", () => {
    const mcp: McpBenchResults = {
      ...mcpResults({ direct: latency(0.5, 1), gateway: latency(1.2, 3.9) }, 26),
      leanInitialize: {
        rounds: 100,
        warmupRounds: 1,
        delayMs: DELAY_MS,
        direct: { a: latency(0.6, 1), b: latency(0.7, 1), c: latency(21, 22) },
        gateway: latency(22.8, 24),
        directAtOnce: latency(21.2, 22),
        failures: { direct: 0, gateway: 0 },
      },
      leanGatewayPid: 2,
    };
    const report = renderReport(results(mcp));
    // Lean c (21 ms) is the slowest; the lean gateway's 22.8 ms is 1.8 ms over it (the SDK's 26: +4).
    assert.match(
      budgetRow(report, "MCP initialize over 3 lean backends"),
      /22\.80 ms vs slowest 21\.00 ms \(c\): \+1\.800 ms .*\*\*PASS\*\*/,
    );
    assert.match(
      budgetRow(report, "The same against the client's own fan-out"),
      /22\.80 ms vs 21\.20 ms: \+1\.600 ms \| reference/,
    );
    assert.match(
      budgetRow(report, "The same over the SDK upstreams"),
      /26\.00 ms vs slowest 22\.00 ms \(c\): \+4\.000 ms \| reference/,
    );
    assert.match(report, /\| initialize, lean upstreams \| gateway \(fan-out to all\) \| 22\.80 ms/);
  });

  it("leaves the rows pending, with the reason, when the phase did not run", () => {
    const report = renderReport(results(undefined, "mcp-bench.js failed (1): boom"));
    assert.match(budgetRow(report, "MCP tools/call added p50"), /\| pending \|$/);
    assert.match(report, /MCP rows are \*\*pending\*\*[\s\S]*boom/);
  });
});

describe("mcp-bench.js", () => {
  it("measures tools/call and initialize over real SDK upstreams and the gateway without failures", async () => {
    const job: McpBenchJob = {
      calls: 30,
      warmupCalls: 5,
      initializeRounds: 3,
      warmupInitializeRounds: 1,
      initializeDelayMs: DELAY_MS,
      gatewayNodeArgs: [],
      gatewayArgs: ["--no-access-log"],
    };
    const out = await runForJson<McpBenchResults>(
      [`${BENCH_DIST}mcp-bench.js`, JSON.stringify(job)],
      undefined,
    );
    assert.deepEqual(out.toolsCall.failures, { direct: 0, gateway: 0 });
    assert.deepEqual(out.initialize.failures, { direct: 0, gateway: 0 });
    assert.equal(out.toolsCall.direct.count, 30);
    assert.equal(out.toolsCall.gateway.count, 30);
    assert.equal(out.toolsCall.pairedAdded.count, 30);
    assert.deepEqual(Object.keys(out.initialize.direct), ["a", "b", "c"]);
    assert.equal(out.initialize.gateway.count, 3);
    assert.equal(out.initialize.directAtOnce.count, 3);
    // c holds every initialize DELAY_MS; the gateway's fan-out cannot answer before c has.
    assert.ok(
      out.initialize.direct.c!.p50 >= DELAY_MS,
      `c initialized in ${out.initialize.direct.c!.p50} ms`,
    );
    assert.ok(
      out.initialize.gateway.p50 >= DELAY_MS,
      `gateway initialized in ${out.initialize.gateway.p50} ms`,
    );
    assert.ok(
      out.initialize.directAtOnce.p50 >= DELAY_MS,
      `all three in ${out.initialize.directAtOnce.p50} ms`,
    );
    // The lean set, measured the same way.
    const lean = out.leanInitialize!;
    assert.deepEqual(lean.failures, { direct: 0, gateway: 0 });
    assert.equal(lean.gateway.count, 3);
    assert.equal(lean.directAtOnce.count, 3);
    assert.ok(lean.direct.c!.p50 >= DELAY_MS, `lean c initialized in ${lean.direct.c!.p50} ms`);
    assert.ok(lean.gateway.p50 >= DELAY_MS, `lean gateway initialized in ${lean.gateway.p50} ms`);
    assert.ok(lean.direct.a!.p50 < DELAY_MS, `lean a initialized in ${lean.direct.a!.p50} ms`);
  });
});
