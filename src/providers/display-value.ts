/**
 * A JSON value from a client or an upstream as text, for error messages and for the few fields a
 * translator turns into a string: strings, numbers, booleans, null and undefined as String() writes
 * them, arrays and objects as JSON. String() would make "[object Object]" of an object, and throws on
 * one that parsed with its own "toString" or "valueOf" key, so a request like
 * `{"type": {"toString": 1}}` would fail with a TypeError instead of the 422 it deserves.
 */
export function displayValue(value: unknown): string {
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}
