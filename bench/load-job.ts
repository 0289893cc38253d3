import type { LatencySummary } from "./percentiles.js";

/** What one load-generator process runs. */
export interface LoadJob {
  /** closed: `connections` requests always in flight (max throughput); open: a fixed arrival rate. */
  mode: "closed" | "open";
  /** e.g. "http://127.0.0.1:8000". */
  origin: string;
  path: string;
  body: string;
  /** Headers every request carries besides content-type (the auth targets' credentials). */
  headers?: Record<string, string>;
  warmupSeconds: number;
  durationSeconds: number;
  /** Closed loop: concurrency. Open loop: the connection pool's size limit. */
  connections: number;
  /** Open loop only: requests per second. */
  rate?: number;
}

export interface LoadResult {
  mode: LoadJob["mode"];
  completed: number;
  failures: Record<string, number>;
  elapsedSeconds: number;
  requestsPerSecond: number;
  /** Send to last body byte, ms. */
  latency: LatencySummary;
  /** Send to first body byte, ms. */
  firstByte: LatencySummary;
  /** CPU time the load generator itself used (user + system), seconds. */
  clientCpuSeconds: number;
  /** Open loop only: how late requests left against their schedule, ms (the generator's own health). */
  scheduleLag?: LatencySummary;
}
