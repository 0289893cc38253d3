import type { LoadResult } from "./load-job.js";
import type { MachineInfo } from "./machine-info.js";

export type TargetName = "direct" | "minimal proxy" | "gateway";

/** One load run against one target, with the CPU each process used during it. */
export interface TargetRun {
  target: TargetName;
  result: LoadResult;
  /** CPU seconds / wall seconds per process ("simulator", the target, "client"); 1 = one full core. */
  cpu: Record<string, number>;
}

export interface MemorySample {
  seconds: number;
  bytes: number;
}

export interface BenchResults {
  date: string;
  machine: MachineInfo;
  pinning: string;
  loadAverageStart: number;
  loadAverageEnd: number;
  settings: {
    rounds: number;
    durationSeconds: number;
    warmupSeconds: number;
    soakSeconds: number;
    rate: number;
    connections: number;
    /** A run is repeated when other processes used more than this share of a core meanwhile. */
    maxOtherCpu?: number;
    retries?: number;
    gatewayArgs: string[];
  };
  /** Measurements repeated because of other load. */
  retried?: number;
  /** Why the gateway rows are missing, when they are. */
  gatewayPending?: string;
  /** The minimal proxy's VmRSS after the same warm-up as the gateway: what any undici proxy costs. */
  proxyIdleBytes: number;
  /** rounds x targets. */
  maxThroughput: TargetRun[][];
  latency: TargetRun[][];
  streamFirstByte: TargetRun[][];
  memory?: {
    startedBytes: number;
    idleBytes: number;
    soak: MemorySample[];
    idleAfterSoakBytes: number;
    soakRun: TargetRun;
  };
}
