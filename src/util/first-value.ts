/** The first value of a header that Node may give as a list (repeated headers), or the value itself. */
export function firstValue<T>(value: T | readonly T[] | undefined): T | undefined {
  return Array.isArray(value) ? (value[0] as T | undefined) : (value as T | undefined);
}
