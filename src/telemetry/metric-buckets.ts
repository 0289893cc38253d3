/**
 * Histogram bucket boundaries, exactly Envoy AI Gateway's (internal/metrics), so that its
 * dashboards' histogram_quantile queries read the same buckets from aigw.
 */

/** gen_ai.client.token.usage: 1, 4, 16, ..., 67108864 (powers of 4). */
export const TOKEN_USAGE_BUCKETS: readonly number[] = Array.from({ length: 14 }, (_, i) => 4 ** i);

/** gen_ai.server.request.duration, seconds: 0.01, 0.02, 0.04, ..., 81.92 (doubling). */
export const REQUEST_DURATION_BUCKETS: readonly number[] = Array.from(
  { length: 14 },
  (_, i) => Math.round(0.01 * 2 ** i * 100) / 100,
);

/** gen_ai.server.time_to_first_token, seconds. */
export const TIME_TO_FIRST_TOKEN_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 20, 30, 45, 60,
];

/** gen_ai.server.time_per_output_token, seconds. */
export const TIME_PER_OUTPUT_TOKEN_BUCKETS: readonly number[] = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5,
];

/** aigw_overhead_seconds: the gateway's own time, from 50 µs (a passthrough) to a second. */
export const OVERHEAD_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** mcp.request.duration and mcp.initialization.duration, seconds. */
export const MCP_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
