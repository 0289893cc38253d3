/** The gateway's own time per request (duration less the upstream attempts'), kept in memory by this process. */
export interface OverheadSource {
  /** Per bucket [fromMs + i*bucketMs, +bucketMs): p50 and p99 of the gateway's own time, ms; null where nothing was served. */
  series(
    fromMs: number,
    toMs: number,
    bucketMs: number,
  ): { p50_ms: (number | null)[]; p99_ms: (number | null)[] };
}
