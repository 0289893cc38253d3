import type { RollupSource } from "../../src/console/rollup-source.js";
import type { LedgerRow } from "../../src/usage/ledger-row.js";
import type { RollupGrain, RollupQuery, RollupRow } from "../../src/usage/usage-rollup.js";
import { TOKEN_TOTALS, zeroSums } from "../../src/usage/usage-totals.js";
import { isoTimestamp } from "../../src/util/iso-timestamp.js";

const BUCKET_MS: Readonly<Record<RollupGrain, number>> = { minute: 60_000, hour: 3_600_000 };

/**
 * The ledger's rollups of some records, summed here at the grain each query asks for: one row per
 * bucket and distinct combination of the dimensions, as the real rollups keep them.
 */
export class MemoryRollupSource implements RollupSource {
  /** Every query it was asked. */
  readonly queries: RollupQuery[] = [];
  /** While true, every query fails as an unreachable database would. */
  down = false;

  constructor(readonly records: LedgerRow[] = []) {}

  rollup(query: RollupQuery): Promise<RollupRow[]> {
    this.queries.push(query);
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED"));
    const inRange = this.records.filter((row) => row.time >= query.from && row.time < query.to);
    return Promise.resolve(rollUp(inRange, query.grain));
  }
}

/** Sums records per bucket of `grain` and every dimension's value. */
export function rollUp(records: readonly LedgerRow[], grain: RollupGrain): RollupRow[] {
  const bucketMs = BUCKET_MS[grain];
  const sums = new Map<string, RollupRow>();
  for (const record of records) {
    const bucket = isoTimestamp(Math.floor(Date.parse(record.time) / bucketMs) * bucketMs);
    const dimensions = {
      bucket,
      consumer: record.consumer,
      attributes: record.attributes,
      route: record.route,
      original_model: record.original_model,
      request_model: record.request_model,
      response_model: record.response_model,
      backend: record.backend,
      status: record.status,
    };
    const id = JSON.stringify(dimensions);
    let sum = sums.get(id);
    if (!sum) {
      sum = { ...dimensions, ...zeroSums() };
      sums.set(id, sum);
    }
    sum.requests += 1;
    for (const column of TOKEN_TOTALS) sum[column] += record[column];
    for (const key in record.costs) sum.costs[key] = (sum.costs[key] ?? 0) + (record.costs[key] ?? 0);
  }
  return [...sums.values()];
}
