/**
 * What the built-in endpoint picker is tuned by. Defaults are the reference scheduler's (llm-d
 * router / Gateway API Inference Extension); an EndpointPickerConfig whose name is the pool's
 * endpointPickerRef overrides them (docs/inference.md lists what is honoured).
 */
export interface PickerSettings {
  /** How often each endpoint's /metrics is scraped, ms. Default 50. */
  readonly scrapeIntervalMs: number;
  /** Per scrape timeout, ms (at most 1000). Default 1000. */
  readonly scrapeTimeoutMs: number;
  /** Scorer weights; 0 turns a scorer off. Defaults queue 2, kvCache 2, prefix 3, lora 1. */
  readonly weights: {
    readonly queue: number;
    readonly kvCache: number;
    readonly prefix: number;
    readonly lora: number;
  };
  /** The pool is saturated when no endpoint is under both thresholds with metrics this fresh. */
  readonly saturation: {
    /** Default 5 waiting requests. */
    readonly queueDepth: number;
    /** Default 0.8. */
    readonly kvCacheUtil: number;
    /** Default 200 ms. */
    readonly metricsStalenessMs: number;
  };
  /** An endpoint without a successful scrape for this long is ranked by in-flight requests alone. Default 1000. */
  readonly staleAfterMs: number;
  readonly prefix: {
    /** Tokens per block; a block is 4 characters a token. Default 16. */
    readonly blockSizeTokens: number;
    /** Take the block size from vllm:cache_config_info{block_size} when scraped. Default true. */
    readonly autoTune: boolean;
    /** Prompts longer than this many blocks are hashed up to it. Default 256. */
    readonly maxPrefixBlocks: number;
    /** Blocks remembered per endpoint (LRU). Default 31250. */
    readonly lruCapacityPerServer: number;
  };
  /** max-score (default, random tie-break), random, or round-robin (aigw's, ignores the scores). */
  readonly picker: "max-score" | "random" | "round-robin";
  /** Attempts per request across the pool's endpoints (a failed one is retried on another). Default 3. */
  readonly maxAttempts: number;
}

export const DEFAULT_PICKER_SETTINGS: PickerSettings = Object.freeze({
  scrapeIntervalMs: 50,
  scrapeTimeoutMs: 1000,
  weights: Object.freeze({ queue: 2, kvCache: 2, prefix: 3, lora: 1 }),
  saturation: Object.freeze({ queueDepth: 5, kvCacheUtil: 0.8, metricsStalenessMs: 200 }),
  staleAfterMs: 1000,
  prefix: Object.freeze({
    blockSizeTokens: 16,
    autoTune: true,
    maxPrefixBlocks: 256,
    lruCapacityPerServer: 31_250,
  }),
  picker: "max-score",
  maxAttempts: 3,
});
