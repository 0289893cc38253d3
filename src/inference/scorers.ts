import type { LoraInfo } from "./parse-model-server-metrics.js";

/**
 * The reference scheduler's scorers (llm-d-router / GIE), each a score in 0..1, higher is better.
 * Unknown inputs (a metric the page did not carry) score 0, the worst, so an endpoint the picker
 * knows nothing about never wins on that scorer; when every candidate lacks it, all score alike
 * and the scorer has no say.
 */

/** queue-scorer: (maxQ - q) / (maxQ - minQ) over the candidates, 1 when all are equal; NaN = unknown. */
export function queueScore(q: number, minQ: number, maxQ: number): number {
  if (Number.isNaN(q)) return 0;
  return maxQ === minQ ? 1 : (maxQ - q) / (maxQ - minQ);
}

/** kv-cache-utilization-scorer: 1 - usage. */
export function kvCacheScore(usage: number | undefined): number {
  return usage === undefined ? 0 : 1 - usage;
}

/** prefix-cache-scorer: leading blocks this endpoint holds / blocks of the prompt (0 without blocks). */
export function prefixScore(matched: number, blocks: number): number {
  return blocks === 0 ? 0 : matched / blocks;
}

/**
 * lora-affinity-scorer: 1.0 when the adapter has running requests on the endpoint, 0.8 when the
 * endpoint has a free adapter slot (running + waiting adapters < max_lora), 0.6 when the adapter is
 * waiting there, else 0 (also when the endpoint publishes no lora_requests_info). A base-model
 * request scores 1.0 everywhere.
 */
export function loraScore(model: string, isAdapter: boolean, lora: LoraInfo | undefined): number {
  if (!isAdapter) return 1;
  if (lora === undefined) return 0;
  if (lora.running.includes(model)) return 1;
  if (lora.maxLora !== undefined && lora.running.length + lora.waiting.length < lora.maxLora) return 0.8;
  if (lora.waiting.includes(model)) return 0.6;
  return 0;
}
