import type { LedgerRow } from "./ledger-row.js";

/** The value of one group key: text, a status, or null where the record has none. */
export type GroupValue = string | number | null;

/** Requests, tokens and costs summed: a usage row's and a rollup row's numbers. */
export interface UsageSums {
  requests: number;
  input_tokens: number;
  cached_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  costs: Record<string, number>;
}

/** Sums of nothing yet (a new object each time: callers add to it). */
export function zeroSums(): UsageSums {
  return {
    requests: 0,
    input_tokens: 0,
    cached_input_tokens: 0,
    cache_creation_input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    total_tokens: 0,
    costs: {},
  };
}

/** One row of `/v1/usage`: the group's key values, then its totals. */
export interface UsageTotals extends UsageSums {
  readonly keys: Readonly<Record<string, GroupValue>>;
}

/** The token totals of a usage row, in the order they are listed. */
export const TOKEN_TOTALS = [
  "input_tokens",
  "cached_input_tokens",
  "cache_creation_input_tokens",
  "output_tokens",
  "reasoning_tokens",
  "total_tokens",
] as const;

/**
 * What the totaller reads of a row besides its time: a ledger record's, or a rollup's pre-summed
 * row (whose time is its bucket's start, the day and hour keys coming from it alike).
 */
export type TotalledRow = Pick<
  LedgerRow,
  | "consumer"
  | "attributes"
  | "route"
  | "original_model"
  | "request_model"
  | "response_model"
  | "backend"
  | "status"
  | (typeof TOKEN_TOTALS)[number]
  | "costs"
>;

type KeyOf = (row: TotalledRow, time: string) => GroupValue;

/** How each built-in group key reads a row; any other key is a header attribute. */
const BUILT_IN: Readonly<Record<string, KeyOf>> = {
  consumer: (row) => row.consumer,
  route: (row) => row.route,
  original_model: (row) => row.original_model,
  request_model: (row) => row.request_model,
  model: (row) => row.request_model,
  response_model: (row) => row.response_model,
  backend: (row) => row.backend,
  status: (row) => row.status,
  // Times are RFC 3339 UTC ("2026-12-02T10:37:12.345Z"): the day and the hour are prefixes.
  day: (_, time) => time.slice(0, 10),
  hour: (_, time) => `${time.slice(0, 13)}:00:00Z`,
};

/**
 * Sums ledger rows into one UsageTotals per distinct combination of the group keys (one row in
 * all without keys). Rows arrive page by page; memory grows with the groups, not the rows.
 */
export class UsageTotaller {
  private readonly readers: readonly KeyOf[];
  private readonly groups = new Map<string, UsageTotals>();

  constructor(private readonly groupBy: readonly string[]) {
    this.readers = groupBy.map((key) => BUILT_IN[key] ?? ((row) => row.attributes?.[key] ?? null));
  }

  add(row: LedgerRow): void {
    this.addSums(row, row.time, 1);
  }

  /** Adds the sums of `requests` records at `time` (a rollup's row) and returns the group they went to. */
  addSums(row: TotalledRow, time: string, requests: number): UsageTotals {
    const values = this.readers.map((read) => read(row, time));
    const id = JSON.stringify(values);
    let totals = this.groups.get(id);
    if (!totals) {
      const keys: Record<string, GroupValue> = {};
      this.groupBy.forEach((key, i) => {
        keys[key] = values[i]!;
      });
      totals = { keys, ...zeroSums() };
      this.groups.set(id, totals);
    }
    totals.requests += requests;
    for (const column of TOKEN_TOTALS) totals[column] += row[column];
    for (const key in row.costs) totals.costs[key] = (totals.costs[key] ?? 0) + (row.costs[key] ?? 0);
    return totals;
  }

  /** The groups ordered by their key values, in group_by order (nulls first). */
  totals(): UsageTotals[] {
    const rows = [...this.groups.values()];
    rows.sort((a, b) => {
      for (const key of this.groupBy) {
        const order = compareValues(a.keys[key]!, b.keys[key]!);
        if (order !== 0) return order;
      }
      return 0;
    });
    return rows;
  }
}

/** A row as `/v1/usage` answers it in JSON: the key values at the top level, then the totals. */
export function usageRowJson(totals: UsageTotals): Record<string, unknown> {
  const out: Record<string, unknown> = { ...totals.keys, requests: totals.requests };
  for (const column of TOKEN_TOTALS) out[column] = totals[column];
  out.costs = totals.costs;
  return out;
}

/** The order of a group key's values in the usage API's rows: null first, numbers by value, text by code units. */
export function compareValues(a: GroupValue, b: GroupValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : 1;
}
