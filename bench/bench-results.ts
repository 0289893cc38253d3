import type { PollerStats } from "./console-poller.js";
import type { LoadResult } from "./load-job.js";
import type { MachineInfo } from "./machine-info.js";
import type { LatencySummary } from "./percentiles.js";
import type { PickerCostJob, PickerCostOutput } from "./picker-cost.js";
import type { SharedPrefixResult, SharedPrefixWorkload } from "./shared-prefix-workload.js";

/**
 * "gateway → Bedrock": a second gateway process, OpenAI chat translated to Bedrock Converse and
 * SigV4-signed; "gateway → Bedrock unsigned": the same process and translation without signing;
 * "gateway → Gemini" (OpenAI chat to Vertex generateContent, GCPCredentials) and "gateway → Azure"
 * (Azure OpenAI deployment path, AzureAPIKey): the same process too.
 * "gateway + limits" and "gateway + limits, Redis": two more gateway processes with two token rate
 * limits on every request (bench/gateway-limits.yaml), counters in memory and in Redis.
 */
export type TargetName =
  | "direct"
  | "minimal proxy"
  | "gateway"
  | "gateway, telemetry off"
  | "gateway + tracing 10%"
  | "gateway + limits"
  | "gateway + limits, Redis"
  | "gateway + API keys"
  | "gateway + JWT"
  | "gateway + ledger"
  | "gateway + ledger, console open"
  | "gateway + ledger, Postgres"
  | "gateway → Bedrock"
  | "gateway → Bedrock unsigned"
  | "gateway → Gemini"
  | "gateway → Azure";

/** One load run against one target, with the CPU each process used during it. */
export interface TargetRun {
  target: TargetName;
  result: LoadResult;
  /** CPU seconds / wall seconds per process ("simulator", the target, "client"); 1 = one full core. */
  cpu: Record<string, number>;
  /** What the open console's poller got during the run ("gateway + ledger, console open" only). */
  consolePoller?: PollerStats;
  /**
   * A run of the plain gateway measured right beside this feature's run in the same round, to be
   * its reference: a feature's ratio is taken per pair, so a host whose speed drifts over a round
   * moves both sides of a ratio alike. Not counted among the plain gateway's own runs.
   */
  referenceFor?: TargetName;
  /**
   * Measured at once with the other run of its pair (the feature's and its plain neighbour's loads
   * together, sharing the servers' core): CPU µs a request of the gateway and of the feature's own
   * processes (Redis, PostgreSQL), over the window.
   */
  atOnce?: true;
  cpuPerRequestUs?: number;
}

/** What one response translator costs per chunk of a realistic stream (translator-chunk-cost.ts). */
export interface ChunkCostRow {
  /** e.g. "OpenAI chat → Bedrock Converse". */
  translator: string;
  /** The OpenAI -> OpenAI passthrough: the reference, not a translation. */
  passthrough: boolean;
  /** Upstream chunks per stream, one upstream event each. */
  chunksPerStream: number;
  /** Bytes the client gets per stream. */
  clientBytesPerStream: number;
  /** ms per `chunk()` call and per the stream's `end()`, over every measured stream. */
  perChunk: LatencySummary;
}

export interface ChunkCostResults {
  /** Measured streams per translator, after `warmupStreams`. */
  streams: number;
  warmupStreams: number;
  /** The gateway's Node flags, which the microbenchmark ran with too (same GC settings). */
  nodeFlags: string[];
  rows: ChunkCostRow[];
  /** CPU seconds / wall seconds: the microbenchmark itself and everything else meanwhile. */
  cpu: { benchmark: number; other: number };
}

/**
 * The inference-pool benchmark (inference-pool-bench.ts): the shared-prefix workload through the
 * gateway to simulated replicas of one InferencePool, once with the built-in picker's defaults and
 * once with its round-robin picker, each on freshly started replicas.
 */
export interface InferencePoolResults {
  replicas: number;
  /** The `aigw sim` flags of every replica. */
  simFlags: string;
  workload: Omit<SharedPrefixWorkload, "urls" | "routing">;
  /** How long the gateway scraped the replicas before the workload began, ms. */
  settleMs: number;
  pinning: string;
  picker: SharedPrefixResult;
  roundRobin: SharedPrefixResult;
  /** picker p90 TTFT / round-robin p90 TTFT (the budget: at most 0.5). */
  p90TtftRatio: number;
  /** picker output tokens/s / round-robin output tokens/s (the budget: at least 1.3). */
  tokensPerSecondRatio: number;
  /** Requests in the measured windows that did not answer 200. */
  errors: { picker: number; roundRobin: number };
}

/** What a pick costs in-process (picker-cost.ts), with the job and the Node flags it ran with. */
export interface PickerCostResults {
  job: PickerCostJob;
  nodeFlags: string[];
  output: PickerCostOutput;
}

/** One store's line of console-overview-bench.ts. */
export interface ConsoleOverviewResult {
  store: string;
  records: number;
  fillSeconds: number;
  buckets: number;
  answerBytes: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** The MCP phase (mcp-bench.ts): one gateway over three MCP upstreams, each measured directly too. */
export interface McpBenchResults {
  /** tools/call of `echo` on upstream a, direct and as `a__echo` through the gateway, alternated. */
  toolsCall: {
    /** Measured calls per path, after `warmupCalls` of each. */
    calls: number;
    warmupCalls: number;
    direct: LatencySummary;
    gateway: LatencySummary;
    /** Gateway minus direct, call by call (each gateway call against the direct call next to it). */
    pairedAdded: LatencySummary;
    /** Calls that did not answer 200 with the echoed text, by path. */
    failures: { direct: number; gateway: number };
  };
  /** initialize over the SDK upstreams (and tools/call's gateway): as a client meets SDK servers sharing one core. */
  initialize: McpInitializeResults;
  /**
   * initialize over the lean upstreams (serve-lean-mcp-upstream.ts) and a gateway of their own: the
   * budget's measure, the slowest backend slow by its delay alone. Absent from runs before 2026-12-04.
   */
  leanInitialize?: McpInitializeResults;
  /** CPU seconds / wall seconds over both phases: the client, the gateway, the three upstreams together, everything else. */
  cpu: { client: number; gateway: number; upstreams: number; other: number };
  /** The gateways' pids, to name their CPU profiles with --profile-dir. */
  gatewayPid: number;
  leanGatewayPid?: number;
}

/**
 * initialize (a new session each, ended with an untimed DELETE) over one set of three upstreams,
 * round-robin with the other set's.
 */
export interface McpInitializeResults {
  /** Measured initializes per target, after `warmupRounds` rounds. */
  rounds: number;
  warmupRounds: number;
  /** The artificial delay upstream c holds every initialize for. */
  delayMs: number;
  /** Per upstream, initialized directly. */
  direct: Record<string, LatencySummary>;
  /** Through the gateway: fanned out to all three. */
  gateway: LatencySummary;
  /**
   * The client's own fan-out: all three directly at once, until the last answered (the slowest
   * backend with its siblings initializing beside it, as the gateway meets it).
   */
  directAtOnce: LatencySummary;
  failures: { direct: number; gateway: number };
}

export interface MemorySample {
  seconds: number;
  bytes: number;
}

/** A feature gateway's budget: at least `ratio` × the plain gateway's max throughput. */
export interface FeatureBudget {
  name: TargetName;
  budget: string;
  ratio: number;
  /** The plain gateway has the feature and this target not: the budget is gateway / this. */
  inverse?: boolean;
  /** How its process is set up, for the report. */
  description: string;
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
    /** Where "gateway + limits, Redis" keeps its counters (absent in results from before it). */
    redisUrl?: string;
    /** The server "gateway + ledger, Postgres" writes to (absent in results from before it). */
    postgresUrl?: string;
  };
  /** Measurements repeated because of other load. */
  retried?: number;
  /** Why the gateway rows are missing, when they are. */
  gatewayPending?: string;
  /** Why the gateway → Bedrock rows are missing, when they are. */
  bedrockPending?: string;
  /** The feature gateways measured against "gateway" (feature-gateways.ts) and their budgets. */
  features?: FeatureBudget[];
  /** Why a feature's rows are missing (its server not answering, or the gateway not starting). */
  featurePending?: Partial<Record<TargetName, string>>;
  /** Results from before `features`: why the gateway + limits rows were missing. */
  limitsPending?: string;
  /** Results from before `features`: why the gateway + limits, Redis rows were missing. */
  redisLimitsPending?: string;
  /** The minimal proxy's VmRSS after the same warm-up as the gateway: what any undici proxy costs. */
  proxyIdleBytes: number;
  /** rounds x targets; gateway → Bedrock and the limits gateways are measured here only. */
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
  /** Added cost of translated streams per chunk, in-process. */
  chunkCost?: ChunkCostResults;
  /** The built-in endpoint picker against round-robin (absent in results from before it). */
  inferencePool?: InferencePoolResults;
  /** Why inferencePool is missing when it is. */
  inferencePoolPending?: string;
  /** What a pick costs (absent in results from before it). */
  pickerCost?: PickerCostResults;
  /** Why pickerCost is missing when it is. */
  pickerCostPending?: string;
  /** The console's 30-day overview over a million ledger records, per store (absent before it). */
  consoleOverview?: ConsoleOverviewResult[];
  /** Why consoleOverview is missing when it is. */
  consoleOverviewPending?: string;
  /** tools/call and initialize through the MCP gateway against its upstreams directly. */
  mcp?: McpBenchResults;
  /** Why the MCP rows are missing, when they are. */
  mcpPending?: string;
}
