/**
 * What the console's overview and usage endpoints read: the ledger's rollups, per bucket and per
 * distinct combination of the ledger's dimensions. The Ledger satisfies it structurally; the
 * handlers depend on this alone so they can be tested over rows in memory.
 */

export type RollupGrain = "minute" | "hour";

export interface RollupQuery {
  readonly grain: RollupGrain;
  /** Bucket starts, RFC 3339 UTC to the millisecond: `from` inclusive, `to` exclusive. */
  readonly from: string;
  readonly to: string;
}

/** The sums of the ledger records of one bucket sharing every dimension's value. */
export interface RollupRow {
  /** The bucket's start, RFC 3339 UTC to the millisecond. */
  bucket: string;
  consumer: string | null;
  attributes: Readonly<Record<string, string>> | null;
  route: string;
  original_model: string | null;
  request_model: string | null;
  response_model: string | null;
  backend: string | null;
  status: number;
  requests: number;
  input_tokens: number;
  cached_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  costs: Record<string, number>;
}

export interface RollupSource {
  rollup(query: RollupQuery): Promise<RollupRow[]>;
}
