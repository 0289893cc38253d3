import type { CachePointBlock } from "./converse-types.js";

/**
 * Prompt caching: OpenAI (Anthropic-style extension) and Anthropic parts mark the end of a cacheable
 * prefix with `cache_control: {type: "ephemeral"}`. Converse content blocks are a union, so the mark
 * becomes a separate `cachePoint` block right after the marked one. Converse has one cache point type;
 * a requested TTL cannot be expressed and is dropped.
 */
export const CACHE_POINT: CachePointBlock = Object.freeze({
  cachePoint: Object.freeze({ type: "default" as const }),
});

export function wantsCachePoint(part: { cache_control?: unknown }): boolean {
  const control = part.cache_control;
  return (
    typeof control === "object" && control !== null && (control as { type?: unknown }).type === "ephemeral"
  );
}
