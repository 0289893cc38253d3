import type { SeededRandom } from "./seeded-random.js";

/** The timing knobs of one simulated replica (see docs/inference.md, "The simulator"). */
export interface LatencySettings {
  /** Constant added to every prefill (the historical time to first token). */
  readonly ttftMs: number;
  readonly prefillOverheadMs: number;
  /** Per prompt token that missed the prefix cache. */
  readonly prefillMsPerToken: number;
  /** Inter-token latency: the time per output token after the first. */
  readonly itlMs: number;
  /** Standard deviation as a fraction of the mean, 0..0.3. */
  readonly jitter: number;
  /** >= 1: prefill and decode are this much slower when all max-num-seqs slots run. */
  readonly timeFactorUnderLoad: number;
  readonly maxNumSeqs: number;
}

/** Samples are clamped to the mean +-70 %, as llm-d-inference-sim does, so none is negative. */
const CLAMP = 0.7;

/**
 * Prefill and decode times, scaled by load and jittered. Pure apart from the seeded random source,
 * so tests get exact numbers; `running` counts the sequences running now, this one included.
 */
export class LatencyModel {
  constructor(
    readonly settings: LatencySettings,
    private readonly random: SeededRandom,
  ) {}

  /** Time from admission (and the adapter being loaded) to the first token. */
  prefillMs(missedTokens: number, running: number): number {
    const { ttftMs, prefillOverheadMs, prefillMsPerToken } = this.settings;
    const mean = ttftMs + prefillOverheadMs + prefillMsPerToken * missedTokens;
    return this.#jittered(mean * this.loadFactor(running));
  }

  /** Time from one output token to the next. */
  interTokenMs(running: number): number {
    return this.#jittered(this.settings.itlMs * this.loadFactor(running));
  }

  /** 1 at one running sequence, rising linearly to timeFactorUnderLoad at max-num-seqs. */
  loadFactor(running: number): number {
    const { timeFactorUnderLoad, maxNumSeqs } = this.settings;
    if (timeFactorUnderLoad === 1 || !Number.isFinite(maxNumSeqs) || maxNumSeqs <= 1) return 1;
    const share = (Math.min(Math.max(running, 1), maxNumSeqs) - 1) / (maxNumSeqs - 1);
    return 1 + (timeFactorUnderLoad - 1) * share;
  }

  #jittered(mean: number): number {
    const { jitter } = this.settings;
    if (jitter === 0 || mean === 0) return mean;
    const deviation = Math.min(CLAMP, Math.max(-CLAMP, jitter * this.random.normal()));
    return mean * (1 + deviation);
  }
}
