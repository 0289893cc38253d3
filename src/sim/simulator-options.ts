/** How the simulated model server behaves; every field is optional. docs/inference.md has the model. */
export interface SimulatorOptions {
  /** Listening port; 0 picks any free port. Default 0. */
  port?: number;
  /** Bind address, e.g. 127.0.0.2 for a second replica on the same machine. Default "127.0.0.1". */
  host?: string;
  /** Constant added to every prefill, ms (the time to first token of an idle replica). Default 0. */
  ttftMs?: number;
  /** Fixed part of the prefill, ms. Default 0. */
  prefillOverheadMs?: number;
  /** Prefill time per prompt token that missed the prefix cache, ms. Default 0. */
  prefillMsPerToken?: number;
  /** Inter-token latency: time per output token after the first, ms. Default 0. */
  itlMs?: number;
  /** Old name of itlMs. */
  tpotMs?: number;
  /** Standard deviation of every duration as a fraction of its mean, 0..0.3. Default 0. */
  jitter?: number;
  /** Seed of the jitter's random numbers: equal seeds, equal runs. Default 0. */
  seed?: number;
  /** >= 1: prefill and decode slow down linearly to this factor at maxNumSeqs running. Default 1. */
  timeFactorUnderLoad?: number;
  /** Tokens in a natural answer, before the request's max_tokens cap. Default 16. */
  outputTokens?: number;
  /**
   * Base models listed by GET /v1/models. Without loraModules requests may name any model.
   * Default ["sim-model"].
   */
  models?: readonly string[];
  /** Sequences generated at once (vLLM's max-num-seqs); the rest wait in FIFO order. Default unlimited. */
  maxNumSeqs?: number;
  /** Old name of maxNumSeqs. */
  maxRunning?: number;
  /** Requests that may wait; one more is refused with 429. Default 1000. */
  maxWaiting?: number;
  /** KV-cache size in blocks (vLLM's num_gpu_blocks). Default 1024. */
  kvCacheBlocks?: number;
  /** Tokens per KV-cache block. Default 16. */
  blockSize?: number;
  /**
   * LoRA adapters served on top of the first base model. When set, a request naming neither a base
   * model nor an adapter gets 404. Default none.
   */
  loraModules?: readonly string[];
  /** Adapters loaded at once. Default 1. */
  maxLoras?: number;
  /** Cost of loading an adapter that is not loaded, ms. Default 0. */
  loraLoadMs?: number;
}

export interface ResolvedSimulatorOptions {
  readonly port: number;
  readonly host: string;
  readonly ttftMs: number;
  readonly prefillOverheadMs: number;
  readonly prefillMsPerToken: number;
  readonly itlMs: number;
  readonly jitter: number;
  readonly seed: number;
  readonly timeFactorUnderLoad: number;
  readonly outputTokens: number;
  readonly models: readonly string[];
  readonly maxNumSeqs: number;
  readonly maxWaiting: number;
  readonly kvCacheBlocks: number;
  readonly blockSize: number;
  readonly loraModules: readonly string[];
  readonly maxLoras: number;
  readonly loraLoadMs: number;
}

/** A bad option, naming it so the CLI can report the flag it came from. */
export class SimulatorOptionError extends RangeError {
  constructor(
    readonly option: keyof SimulatorOptions,
    readonly problem: string,
  ) {
    super(`${option} ${problem}`);
  }
}

export const DEFAULT_SIM_MODELS: readonly string[] = ["sim-model"];

/** llm-d-inference-sim's bound: more jitter than this is not a latency profile any more. */
export const MAX_JITTER = 0.3;

export function resolveSimulatorOptions(options: SimulatorOptions): ResolvedSimulatorOptions {
  const resolved: ResolvedSimulatorOptions = {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    ttftMs: options.ttftMs ?? 0,
    prefillOverheadMs: options.prefillOverheadMs ?? 0,
    prefillMsPerToken: options.prefillMsPerToken ?? 0,
    itlMs: alias(options, "itlMs", "tpotMs") ?? 0,
    jitter: options.jitter ?? 0,
    seed: options.seed ?? 0,
    timeFactorUnderLoad: options.timeFactorUnderLoad ?? 1,
    outputTokens: options.outputTokens ?? 16,
    models: options.models && options.models.length > 0 ? [...options.models] : DEFAULT_SIM_MODELS,
    maxNumSeqs: alias(options, "maxNumSeqs", "maxRunning") ?? Number.POSITIVE_INFINITY,
    maxWaiting: options.maxWaiting ?? 1000,
    kvCacheBlocks: options.kvCacheBlocks ?? 1024,
    blockSize: options.blockSize ?? 16,
    loraModules: options.loraModules ? [...options.loraModules] : [],
    maxLoras: options.maxLoras ?? 1,
    loraLoadMs: options.loraLoadMs ?? 0,
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new SimulatorOptionError("port", `must be an integer from 0 to 65535, got ${resolved.port}`);
  }
  for (const name of ["ttftMs", "prefillOverheadMs", "prefillMsPerToken", "itlMs", "loraLoadMs"] as const) {
    const value = resolved[name];
    if (!Number.isFinite(value) || value < 0)
      throw new SimulatorOptionError(name, `must be >= 0, got ${value}`);
  }
  if (!(resolved.jitter >= 0 && resolved.jitter <= MAX_JITTER)) {
    throw new SimulatorOptionError("jitter", `must be from 0 to ${MAX_JITTER}, got ${resolved.jitter}`);
  }
  if (!Number.isInteger(resolved.seed)) {
    throw new SimulatorOptionError("seed", `must be an integer, got ${resolved.seed}`);
  }
  if (!(resolved.timeFactorUnderLoad >= 1 && Number.isFinite(resolved.timeFactorUnderLoad))) {
    throw new SimulatorOptionError(
      "timeFactorUnderLoad",
      `must be a number >= 1, got ${resolved.timeFactorUnderLoad}`,
    );
  }
  for (const name of ["outputTokens", "kvCacheBlocks", "blockSize", "maxLoras"] as const) {
    requirePositiveInteger(name, resolved[name]);
  }
  if (resolved.maxNumSeqs !== Number.POSITIVE_INFINITY)
    requirePositiveInteger("maxNumSeqs", resolved.maxNumSeqs);
  if (!Number.isInteger(resolved.maxWaiting) || resolved.maxWaiting < 0) {
    throw new SimulatorOptionError("maxWaiting", `must be an integer >= 0, got ${resolved.maxWaiting}`);
  }
  const clash = resolved.loraModules.find((adapter) => adapter === "" || resolved.models.includes(adapter));
  if (clash !== undefined) {
    throw new SimulatorOptionError(
      "loraModules",
      `must be non-empty names other than the base models, got "${clash}"`,
    );
  }
  return resolved;
}

/** The new name wins; giving both with different values is a mistake worth reporting. */
function alias<K extends keyof SimulatorOptions>(
  options: SimulatorOptions,
  name: K,
  oldName: keyof SimulatorOptions,
): SimulatorOptions[K] | undefined {
  const value = options[name];
  const old = options[oldName] as SimulatorOptions[K] | undefined;
  if (value !== undefined && old !== undefined && value !== old) {
    throw new SimulatorOptionError(name, `and ${oldName} (its old name) disagree: ${value} and ${old}`);
  }
  return value ?? old;
}

function requirePositiveInteger(name: keyof SimulatorOptions, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new SimulatorOptionError(name, `must be a positive integer, got ${value}`);
  }
}
