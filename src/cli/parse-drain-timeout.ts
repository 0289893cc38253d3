import { parseDuration } from "../config/parse-duration.js";

/** `aigw run --drain-timeout` when not given. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 15_000;

/**
 * `--drain-timeout`: a duration ("15s", "1m30s", "500ms") or a plain number of seconds ("15",
 * "2.5"), in milliseconds; undefined when the text is neither.
 */
export function parseDrainTimeout(text: string): number | undefined {
  const s = text.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(s)) return Number(s) * 1000;
  return parseDuration(s);
}
