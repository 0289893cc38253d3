/** How the simulated model server behaves; every field is optional. */
export interface SimulatorOptions {
  /** Listening port; 0 picks any free port. Default 0. */
  port?: number;
  /** Bind address. Default "127.0.0.1". */
  host?: string;
  /** Time to first token in ms: the delay before the first byte of a body. Default 0. */
  ttftMs?: number;
  /** Time per output token in ms after the first. Default 0. */
  tpotMs?: number;
  /** Tokens in a natural answer, before the request's max_tokens cap. Default 16. */
  outputTokens?: number;
  /** Models listed by GET /v1/models. Requests may name any model. Default ["sim-model"]. */
  models?: readonly string[];
  /**
   * Requests generated at once (vLLM's max-num-seqs); the rest wait in FIFO order and show up as
   * vllm:num_requests_waiting. Default unlimited.
   */
  maxRunning?: number;
}

export interface ResolvedSimulatorOptions {
  readonly port: number;
  readonly host: string;
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly outputTokens: number;
  readonly models: readonly string[];
  readonly maxRunning: number;
}

export const DEFAULT_SIM_MODELS: readonly string[] = ["sim-model"];

export function resolveSimulatorOptions(options: SimulatorOptions): ResolvedSimulatorOptions {
  const resolved = {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    ttftMs: options.ttftMs ?? 0,
    tpotMs: options.tpotMs ?? 0,
    outputTokens: options.outputTokens ?? 16,
    models: options.models && options.models.length > 0 ? [...options.models] : DEFAULT_SIM_MODELS,
    maxRunning: options.maxRunning ?? Number.POSITIVE_INFINITY,
  };
  requireNonNegative("ttftMs", resolved.ttftMs);
  requireNonNegative("tpotMs", resolved.tpotMs);
  if (!Number.isInteger(resolved.outputTokens) || resolved.outputTokens < 1) {
    throw new RangeError(`outputTokens must be a positive integer, got ${resolved.outputTokens}`);
  }
  if (!(resolved.maxRunning >= 1)) {
    throw new RangeError(`maxRunning must be at least 1, got ${resolved.maxRunning}`);
  }
  return resolved;
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
}
