/**
 * A token count as an upstream reported it, or 0 when what it sent is not a count (a string, null,
 * an object, a negative or non-finite number). Usage feeds the access log and the cost expressions,
 * so a hostile or broken upstream must not turn a count into a string ("5" + 3 is "53") or NaN.
 */
export function tokenCount(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}
