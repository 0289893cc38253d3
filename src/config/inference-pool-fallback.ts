/**
 * aigw's extension beyond the original, which cannot fail over from a pool: the route annotation
 * `aigw/inference-pool-fallback` names AIServiceBackends (of the route's namespace) that a rule
 * sending to an InferencePool uses when the pool has no Ready endpoint or sheds the request.
 * Annotations are free-form to the original, so every upstream verdict stays the same.
 *
 * Syntax: tiers in priority order separated by commas; within a tier, backends separated by spaces,
 * each optionally `name:weight` (weight 1 when unset). "hosted-a, hosted-b" = hosted-a first, then
 * hosted-b; "a:3 b:1, c" = a and b split 3:1, then c.
 */
export const POOL_FALLBACK_ANNOTATION = "aigw/inference-pool-fallback";

export interface FallbackBackend {
  readonly name: string;
  readonly weight: number;
}

const ENTRY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?::([0-9]{1,7}))?$/;

/** The tiers the annotation names, or why it cannot be read. */
export function parsePoolFallback(text: string): { tiers: FallbackBackend[][] } | { error: string } {
  const tiers: FallbackBackend[][] = [];
  for (const [i, part] of text.split(",").entries()) {
    const words = part
      .trim()
      .split(/\s+/)
      .filter((w) => w !== "");
    if (words.length === 0) return { error: `tier ${i + 1} is empty (tiers are separated by commas)` };
    const tier: FallbackBackend[] = [];
    for (const word of words) {
      const m = ENTRY.exec(word);
      if (!m) return { error: `"${word}" is not an AIServiceBackend name with an optional :weight` };
      const weight = m[3] === undefined ? 1 : Number(m[3]);
      if (weight < 1 || weight > 1_000_000)
        return { error: `"${word}": the weight must be between 1 and 1000000` };
      tier.push({ name: m[1]!, weight });
    }
    tiers.push(tier);
  }
  return { tiers };
}
