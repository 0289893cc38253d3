import type { LimitRecord, RequestRecord } from "../../src/gateway/request-record.js";
import { setCounterKey } from "../../src/limits/counter-key-of.js";
import { requestRecord } from "./request-record.js";

export interface Reading {
  readonly rule: string;
  /** The counter's store key, as a TokenLimitPolicy would have set it beside the record. */
  readonly key: string;
  readonly bucket: string;
  readonly used: number;
  readonly windowEndMs: number;
  readonly outcome?: LimitRecord["outcome"];
  readonly kind?: LimitRecord["kind"];
}

/** A finished request's record on `route` whose limits read these counters. */
export function recordWith(route: string, readings: readonly Reading[]): RequestRecord {
  const limits = readings.map((r) => {
    const limit: LimitRecord = {
      rule: r.rule,
      kind: r.kind ?? "rate_limit",
      bucket: r.bucket,
      limit: 1000,
      used: r.used,
      remaining: 1000 - r.used,
      outcome: r.outcome ?? "allowed",
      windowEndMs: r.windowEndMs,
    };
    setCounterKey(limit, r.key);
    return limit;
  });
  return requestRecord({ route, limits });
}
