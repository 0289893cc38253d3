import { performance } from "node:perf_hooks";
import type { ReplicaScheduler } from "./replica-scheduler.js";

/** vLLM's bucket bounds for vllm:time_to_first_token_seconds. */
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
  2560,
];

/**
 * GET /metrics under vLLM's metric names, read from the scheduler's real state at each scrape, so
 * inference-pool endpoint pickers can scrape the simulator like a vLLM server. KV-cache usage is the
 * share of blocks running sequences hold, published under both the current name and the pre-v0.10
 * `gpu_cache_usage_perc` that older pickers read.
 */
export class SimMetrics {
  promptTokens = 0;
  generationTokens = 0;
  readonly #successByReason = new Map<string, number>();
  readonly #ttftCounts = new Array<number>(TTFT_BUCKETS.length + 1).fill(0);
  #ttftSum = 0;
  readonly #label: string;

  constructor(
    private readonly scheduler: ReplicaScheduler,
    modelName: string,
    /** Only a replica serving adapters publishes vllm:lora_requests_info, as vLLM does. */
    private readonly maxLoras: number | undefined,
  ) {
    this.#label = `model_name=${JSON.stringify(modelName)}`;
  }

  recordSuccess(finishReason: string, promptTokens: number, generationTokens: number): void {
    this.#successByReason.set(finishReason, (this.#successByReason.get(finishReason) ?? 0) + 1);
    this.promptTokens += promptTokens;
    this.generationTokens += generationTokens;
  }

  recordTimeToFirstToken(seconds: number): void {
    let bucket = 0;
    while (bucket < TTFT_BUCKETS.length && seconds > TTFT_BUCKETS[bucket]!) bucket++;
    this.#ttftCounts[bucket]!++;
    this.#ttftSum += seconds;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const label = this.#label;
    const { running, waiting, kv } = this.scheduler;
    const kvUsage = kv.inUse / kv.capacity;
    const lines = [
      gauge("vllm:num_requests_running", "Number of requests currently running.", label, running),
      gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", label, waiting),
      gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", label, kvUsage),
      gauge("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.", label, kvUsage),
      gauge(
        "vllm:cache_config_info",
        "Information of the LLMEngine CacheConfig.",
        `block_size="${kv.blockSize}",num_gpu_blocks="${kv.capacity}",${label}`,
        1,
      ),
    ];
    if (this.maxLoras !== undefined) {
      const running = JSON.stringify(this.scheduler.runningAdapters().join(","));
      const waiting = JSON.stringify(this.scheduler.waitingAdapters().join(","));
      const adapters = `running_lora_adapters=${running},waiting_lora_adapters=${waiting},max_lora="${this.maxLoras}"`;
      const changedAt = (performance.timeOrigin + this.scheduler.adaptersChangedAt) / 1000;
      lines.push(gauge("vllm:lora_requests_info", "Running stats on lora requests.", adapters, changedAt));
    }
    lines.push(
      counter(
        "vllm:prefix_cache_queries_total",
        "Prefix cache queries, in tokens.",
        label,
        this.scheduler.prefixQueryTokens,
      ),
      counter(
        "vllm:prefix_cache_hits_total",
        "Prefix cache hits, in tokens.",
        label,
        this.scheduler.prefixHitTokens,
      ),
      counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", label, this.promptTokens),
      counter("vllm:generation_tokens_total", "Number of generation tokens.", label, this.generationTokens),
      "# HELP vllm:request_success_total Count of successfully processed requests.",
      "# TYPE vllm:request_success_total counter",
    );
    for (const [reason, count] of this.#successByReason) {
      lines.push(`vllm:request_success_total{finished_reason=${JSON.stringify(reason)},${label}} ${count}`);
    }
    lines.push(
      "# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.",
      "# TYPE vllm:time_to_first_token_seconds histogram",
    );
    let cumulative = 0;
    for (let bucket = 0; bucket <= TTFT_BUCKETS.length; bucket++) {
      cumulative += this.#ttftCounts[bucket]!;
      const le = bucket < TTFT_BUCKETS.length ? String(TTFT_BUCKETS[bucket]) : "+Inf";
      lines.push(`vllm:time_to_first_token_seconds_bucket{${label},le="${le}"} ${cumulative}`);
    }
    lines.push(
      `vllm:time_to_first_token_seconds_sum{${label}} ${this.#ttftSum}`,
      `vllm:time_to_first_token_seconds_count{${label}} ${cumulative}`,
    );
    return `${lines.join("\n")}\n`;
  }
}

function gauge(name: string, help: string, labels: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}{${labels}} ${value}`;
}

function counter(name: string, help: string, labels: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name}{${labels}} ${value}`;
}
