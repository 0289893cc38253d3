import { MAX_ATTRIBUTE_VALUE_LENGTH } from "../gateway/request-header-attributes.js";

/** What a label value becomes once its label has seen `maxValues` distinct values. */
export const OVERFLOW_VALUE = "_other";

/**
 * Keeps one label's values bounded, so that a client cannot grow the number of series without
 * limit (a header, a model name it makes up): values are cut to 256 characters, and once
 * `maxValues` distinct values have been seen, any new one is recorded as `_other`. Values seen
 * before the limit keep their own series for the life of the process.
 */
export class LabelValueLimiter {
  private readonly seen = new Set<string>();

  constructor(private readonly maxValues: number) {}

  value(raw: string): string {
    const value = raw.length > MAX_ATTRIBUTE_VALUE_LENGTH ? raw.slice(0, MAX_ATTRIBUTE_VALUE_LENGTH) : raw;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.maxValues) return OVERFLOW_VALUE;
    this.seen.add(value);
    return value;
  }
}
