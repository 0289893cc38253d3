/**
 * Fixed windows aligned to their unit, as Envoy's rate-limit service counts them: a window is
 * `floor(now / length)`, so every replica and every restart agree on where it starts without
 * sharing a clock beyond the epoch. Month and Year are the service's fixed 30 and 365 days (not
 * calendar months): a "monthly" budget restarts every 30 days, at the same instants everywhere.
 */
export const WINDOW_MS = {
  Second: 1_000,
  Minute: 60_000,
  Hour: 3_600_000,
  Day: 86_400_000,
  Month: 30 * 86_400_000,
  Year: 365 * 86_400_000,
} as const;

export type WindowUnit = keyof typeof WINDOW_MS;

/** QuotaPolicy durations ("1s", "1m", "1h", "1d") as window lengths. */
export const QUOTA_DURATION_MS: Readonly<Record<string, number>> = {
  "1s": WINDOW_MS.Second,
  "1m": WINDOW_MS.Minute,
  "1h": WINDOW_MS.Hour,
  "1d": WINDOW_MS.Day,
};

/** The window `nowMs` falls in: part of a counter's key; the window ends at `(index + 1) * lengthMs`. */
export function windowIndex(lengthMs: number, nowMs: number): number {
  return Math.floor(nowMs / lengthMs);
}
