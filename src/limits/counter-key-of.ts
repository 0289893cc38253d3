import type { LimitRecord } from "../gateway/request-record.js";

/**
 * The store key of the counter a LimitRecord read, kept beside the record rather than in it: the key
 * holds the bucket's raw distinct values (a credential, for a rule that selects on one), which the
 * record only shows as a digest and which must never be logged or served. Whoever reads the counter
 * again (the console's limits view) then reads the very key the policy checked, not a rebuilt one.
 * A WeakMap: the key goes when the record does.
 */
const counterKeys = new WeakMap<LimitRecord, string>();

export function setCounterKey(record: LimitRecord, key: string): void {
  counterKeys.set(record, key);
}

/** Undefined for a record no policy made (or a copy of one). */
export function counterKeyOf(record: LimitRecord): string | undefined {
  return counterKeys.get(record);
}
