/**
 * A Gateway API / Go duration ("60s", "1m30s", "500ms", "2h") in milliseconds, or undefined when
 * the text is not one. "0s" means zero (Gateway API: no timeout).
 */
const PART = /([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs|ns)/gy;
const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 1e-6,
};

export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  if (s === "0") return 0;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(s); m !== null; m = PART.exec(s)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    consumed = PART.lastIndex;
  }
  return consumed === s.length ? total : undefined;
}
