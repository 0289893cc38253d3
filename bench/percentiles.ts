/** Latency summary in milliseconds, computed exactly from every sample. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentiles over the sorted samples (no histogram bucketing error). */
export function summarize(samplesMs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const count = sorted.length;
  const at = (q: number): number =>
    count === 0 ? Number.NaN : sorted[Math.min(count - 1, Math.ceil(q * count) - 1)]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count,
    mean: count === 0 ? Number.NaN : sum / count,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: count === 0 ? Number.NaN : sorted[count - 1]!,
  };
}
