import type { BenchResults } from "../../bench/bench-results.js";

/** A run with nothing measured but what a test adds: every other row renders as pending or not at all. */
export function benchResults(extra: Partial<BenchResults> = {}): BenchResults {
  return {
    date: "2026-12-04T18:00:00.000Z",
    machine: { cpuModel: "test CPU", cores: 2, memoryGiB: 8, node: "v20.0.0", kernel: "Linux version 6" },
    pinning: "none",
    loadAverageStart: 0,
    loadAverageEnd: 0,
    settings: {
      rounds: 1,
      durationSeconds: 10,
      warmupSeconds: 2,
      soakSeconds: 1,
      rate: 1000,
      connections: 32,
      gatewayArgs: [],
    },
    proxyIdleBytes: 0,
    maxThroughput: [],
    latency: [],
    streamFirstByte: [],
    ...extra,
  };
}
