import type { AdmissionQueue } from "./admission-queue.js";

/**
 * Counters behind GET /metrics, published under vLLM's metric names so inference-pool endpoint
 * pickers can scrape the simulator like a real vLLM server. KV-cache usage is modelled as the
 * share of running slots in use (0 when the number of slots is unlimited), published under both the
 * current name and the pre-v0.10 `gpu_cache_usage_perc` that older pickers read.
 */
export class SimMetrics {
  promptTokens = 0;
  generationTokens = 0;
  readonly #successByReason = new Map<string, number>();

  constructor(
    private readonly admission: AdmissionQueue,
    private readonly modelName: string,
  ) {}

  recordSuccess(finishReason: string, promptTokens: number, generationTokens: number): void {
    this.#successByReason.set(finishReason, (this.#successByReason.get(finishReason) ?? 0) + 1);
    this.promptTokens += promptTokens;
    this.generationTokens += generationTokens;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const label = `model_name=${JSON.stringify(this.modelName)}`;
    const { running, waiting, maxRunning } = this.admission;
    const kvUsage = Number.isFinite(maxRunning) ? running / maxRunning : 0;
    const lines = [
      gauge("vllm:num_requests_running", "Number of requests currently running.", label, running),
      gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", label, waiting),
      gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", label, kvUsage),
      gauge("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.", label, kvUsage),
      counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", label, this.promptTokens),
      counter("vllm:generation_tokens_total", "Number of generation tokens.", label, this.generationTokens),
      "# HELP vllm:request_success_total Count of successfully processed requests.",
      "# TYPE vllm:request_success_total counter",
    ];
    for (const [reason, count] of this.#successByReason) {
      lines.push(`vllm:request_success_total{finished_reason=${JSON.stringify(reason)},${label}} ${count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

function gauge(name: string, help: string, label: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}{${label}} ${value}`;
}

function counter(name: string, help: string, label: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name}{${label}} ${value}`;
}
