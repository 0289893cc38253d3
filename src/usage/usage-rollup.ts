import type { LedgerRow } from "./ledger-row.js";
import { LEDGER_TABLE } from "./ledger-store.js";
import { TOKEN_TOTALS, type UsageSums, zeroSums } from "./usage-totals.js";

export type RollupGrain = "minute" | "hour";

/** The grains the stores keep, each maintained with every batch. */
export const ROLLUP_GRAINS: readonly RollupGrain[] = ["minute", "hour"];

/** Both stores' table of the distinct dimensions, each with the number rollup rows carry instead of its text. */
export const ROLLUP_DIMS_TABLE = `${LEDGER_TABLE}_rollup_dims`;
/** Both stores' table of a grain's sums. */
export const rollupTable = (grain: RollupGrain): string => `${LEDGER_TABLE}_rollup_${grain}`;
/** The numbers a rollup sums besides the costs, in the order the stores keep them. */
export const ROLLUP_SUMS = ["requests", ...TOKEN_TOTALS] as const;

/** Bucket starts, RFC 3339 UTC ms ("2026-12-02T10:00:00.000Z"): from inclusive, to exclusive. */
export interface RollupQuery {
  readonly grain: RollupGrain;
  readonly from: string;
  readonly to: string;
}

/** The sums of the records of one bucket that share every dimension. */
export interface RollupRow extends UsageSums {
  /** Start of the bucket, RFC 3339 UTC ms. */
  bucket: string;
  consumer: string | null;
  /** Header attributes, as a whole (keys sorted). */
  attributes: Readonly<Record<string, string>> | null;
  route: string;
  original_model: string | null;
  request_model: string | null;
  response_model: string | null;
  backend: string | null;
  status: number;
}

/**
 * The dimensions of a rollup row as the stores key it: a JSON array of consumer, attributes (keys
 * sorted), route, original_model, request_model, response_model, backend and status. One text
 * column makes the unique key, which sidesteps NULLs in unique keys (PostgreSQL before 15 has no
 * NULLS NOT DISTINCT) and makes {a, b} and {b, a} one value. Always made here, in JS, so that a
 * key written by the ledger and one made by a migration's backfill are the same text.
 */
export type RollupDims = string;

/** A rollup row with what the stores key it by. */
export interface RollupEntry {
  readonly grain: RollupGrain;
  readonly dims: RollupDims;
  readonly row: RollupRow;
}

type Dimensions = Pick<
  RollupRow,
  | "consumer"
  | "attributes"
  | "route"
  | "original_model"
  | "request_model"
  | "response_model"
  | "backend"
  | "status"
>;

type DimsArray = [
  string | null,
  Record<string, string> | null,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  number,
];

/** The start of the bucket `time` (RFC 3339 UTC ms, as stored) falls in: a prefix of it. */
export function bucketOf(time: string, grain: RollupGrain): string {
  return grain === "minute" ? `${time.slice(0, 16)}:00.000Z` : `${time.slice(0, 13)}:00:00.000Z`;
}

/** Attributes with their keys sorted, so that equal sets are one dimension value. */
function canonicalAttributes(
  attributes: Readonly<Record<string, string>> | null,
): Readonly<Record<string, string>> | null {
  if (attributes === null) return null;
  const keys = Object.keys(attributes);
  // Nearly always sorted already (one attribute, or the configured order): no copy then.
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
  if (sorted) return attributes;
  const copy: Record<string, string> = {};
  for (const key of keys.sort()) copy[key] = attributes[key]!;
  return copy;
}

export function rollupDims(row: Dimensions): RollupDims {
  return JSON.stringify([
    row.consumer,
    canonicalAttributes(row.attributes),
    row.route,
    row.original_model,
    row.request_model,
    row.response_model,
    row.backend,
    row.status,
  ] satisfies DimsArray);
}

/** A rollup row from its stored parts: the bucket, the dims key (text or parsed) and the sums. */
export function rollupRowFrom(
  bucket: string,
  dims: RollupDims | DimsArray,
  sums: Pick<RollupRow, "requests" | (typeof TOKEN_TOTALS)[number] | "costs">,
): RollupRow {
  const d = typeof dims === "string" ? (JSON.parse(dims) as DimsArray) : dims;
  return {
    bucket,
    consumer: d[0],
    attributes: d[1],
    route: d[2],
    original_model: d[3],
    request_model: d[4],
    response_model: d[5],
    backend: d[6],
    status: d[7],
    requests: sums.requests,
    input_tokens: sums.input_tokens,
    cached_input_tokens: sums.cached_input_tokens,
    cache_creation_input_tokens: sums.cache_creation_input_tokens,
    output_tokens: sums.output_tokens,
    reasoning_tokens: sums.reasoning_tokens,
    total_tokens: sums.total_tokens,
    costs: { ...sums.costs },
  };
}

/**
 * Sums ledger rows (or rollup rows of a finer grain) into rollup rows of the given grains. A batch
 * of 500 records becomes a handful of entries, which is what the stores upsert.
 */
export class RollupAccumulator {
  /** By dims, then per grain by bucket: the record's dims key is hashed once, not once per grain. */
  private readonly byDims = new Map<RollupDims, Map<string, RollupEntry>[]>();
  private entries = 0;
  /** The record added last and its dims key. */
  private lastRecord: Dimensions | undefined;
  private lastDims: RollupDims = "";
  /** Per grain, the entry added to last and its bucket's time prefix. */
  private lastEntries: (RollupEntry | undefined)[] = [];
  private lastPrefixes: (string | undefined)[] = [];

  constructor(private readonly grains: readonly RollupGrain[] = ROLLUP_GRAINS) {}

  get size(): number {
    return this.entries;
  }

  /** Adds one record. */
  addRecord(row: LedgerRow): void {
    // A batch's records mostly repeat the dimensions of the one before (a few routes, models and
    // consumers): comparing them is cheaper than making and hashing the dims key anew, which was
    // about a third of what summing a record cost.
    const last = this.lastRecord;
    const dims = last !== undefined && sameDimensions(last, row) ? this.lastDims : rollupDims(row);
    this.lastRecord = row;
    this.lastDims = dims;
    this.add(row.time, dims, row, 1);
  }

  /** Adds a rollup row (its bucket's start is its time) with its dims key. */
  addRollup(row: RollupRow, dims: RollupDims = rollupDims(row)): void {
    this.add(row.bucket, dims, row, row.requests);
  }

  /** The entries, ordered by grain, bucket and dims: the order stores upsert in, so concurrent writers do not deadlock. */
  take(): RollupEntry[] {
    const entries: RollupEntry[] = [];
    for (const grains of this.byDims.values())
      for (const buckets of grains) entries.push(...buckets.values());
    this.byDims.clear();
    this.entries = 0;
    this.lastRecord = undefined;
    this.lastEntries = [];
    this.lastPrefixes = [];
    return entries.sort(compareEntries);
  }

  private add(
    time: string,
    dims: RollupDims,
    sums: Pick<LedgerRow, (typeof TOKEN_TOTALS)[number] | "costs">,
    requests: number,
  ): void {
    let grains: Map<string, RollupEntry>[] | undefined;
    for (let g = 0; g < this.grains.length; g++) {
      const grain = this.grains[g]!;
      // The entry the last row added to, when this one shares its dims and bucket: no lookup.
      let entry = this.lastEntries[g];
      const lastPrefix = this.lastPrefixes[g];
      if (
        entry === undefined ||
        entry.dims !== dims ||
        lastPrefix === undefined ||
        !time.startsWith(lastPrefix)
      ) {
        grains ??= this.grainsOf(dims);
        const buckets = grains[g]!;
        // Keyed by the time's prefix (a slice, no new text): the bucket's own text is made once.
        const prefix = time.slice(0, grain === "minute" ? 16 : 13);
        entry = buckets.get(prefix);
        if (!entry) {
          const bucket = bucketOf(time, grain);
          entry = { grain, dims, row: rollupRowFrom(bucket, dims, zeroSums()) };
          buckets.set(prefix, entry);
          this.entries += 1;
        }
        this.lastEntries[g] = entry;
        this.lastPrefixes[g] = prefix;
      }
      // Spelled out: a loop over the column names is a keyed access each, ~10 % of a record's cost.
      const total = entry.row;
      total.requests += requests;
      total.input_tokens += sums.input_tokens;
      total.cached_input_tokens += sums.cached_input_tokens;
      total.cache_creation_input_tokens += sums.cache_creation_input_tokens;
      total.output_tokens += sums.output_tokens;
      total.reasoning_tokens += sums.reasoning_tokens;
      total.total_tokens += sums.total_tokens;
      for (const key in sums.costs) total.costs[key] = (total.costs[key] ?? 0) + (sums.costs[key] ?? 0);
    }
  }

  private grainsOf(dims: RollupDims): Map<string, RollupEntry>[] {
    let grains = this.byDims.get(dims);
    if (!grains) {
      grains = this.grains.map(() => new Map<string, RollupEntry>());
      this.byDims.set(dims, grains);
    }
    return grains;
  }
}

/** Whether two records have one dims key: every dimension equal, the attributes as a set. */
function sameDimensions(a: Dimensions, b: Dimensions): boolean {
  return (
    a.status === b.status &&
    a.route === b.route &&
    a.consumer === b.consumer &&
    a.original_model === b.original_model &&
    a.request_model === b.request_model &&
    a.response_model === b.response_model &&
    a.backend === b.backend &&
    sameAttributes(a.attributes, b.attributes)
  );
}

function sameAttributes(
  a: Readonly<Record<string, string>> | null,
  b: Readonly<Record<string, string>> | null,
): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  let count = 0;
  for (const key in a) {
    if (!Object.hasOwn(b, key) || a[key] !== b[key]) return false;
    count += 1;
  }
  for (const _ in b) count -= 1;
  return count === 0;
}

/** The rollup rows of one grain for `rows`, ordered by bucket and dimensions. */
export function aggregateRollup(rows: Iterable<LedgerRow>, grain: RollupGrain): RollupRow[] {
  const accumulator = new RollupAccumulator([grain]);
  for (const row of rows) accumulator.addRecord(row);
  return accumulator.take().map((entry) => entry.row);
}

function compareEntries(a: RollupEntry, b: RollupEntry): number {
  if (a.grain !== b.grain) return a.grain < b.grain ? -1 : 1;
  if (a.row.bucket !== b.row.bucket) return a.row.bucket < b.row.bucket ? -1 : 1;
  return a.dims < b.dims ? -1 : a.dims > b.dims ? 1 : 0;
}
