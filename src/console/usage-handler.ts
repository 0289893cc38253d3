import { JSON_TYPE } from "../gateway/send-response.js";
import { errorAnswer } from "../usage/usage-api.js";
import { usageCsv } from "../usage/usage-csv.js";
import { BUILT_IN_GROUP_KEYS, parseChoice, parseGroupBy, refuseUnknown } from "../usage/usage-parameters.js";
import type { RollupRow } from "../usage/usage-rollup.js";
import { UsageTotaller, type UsageTotals, usageRowJson } from "../usage/usage-totals.js";
import type { ConsoleHandler } from "./console-handler.js";
import {
  bucketIndexer,
  bucketTimes,
  type ConsoleRange,
  parseConsoleRange,
  rollupQuery,
} from "./console-range.js";
import { answerFromLedger } from "./ledger-answer.js";
import type { RollupSource } from "./rollup-source.js";

export interface UsageDeps {
  /** Undefined with `--ledger off`. */
  readonly ledger: RollupSource | undefined;
  /** The `--request-header-attributes` names: group keys next to the built-in ones. */
  readonly attributeNames: readonly string[];
}

/** Groups the stacked plot shows on their own; the rest are one more layer. */
const PLOTTED_GROUPS = 12;
const CSV_TYPE = "text/csv; charset=utf-8";

interface GroupSeries {
  readonly keys: UsageTotals["keys"] | null;
  readonly requests: number[];
  readonly total_tokens: number[];
}

/**
 * `GET /console/api/usage`: `/v1/usage`'s rows (the same totaller, fed the rollups' pre-summed
 * rows), JSON or its CSV, with every group's requests and tokens per bucket for the stacked plot.
 */
export function usageHandler(deps: UsageDeps): ConsoleHandler {
  const dimensions = [...BUILT_IN_GROUP_KEYS, ...deps.attributeNames];
  return (request) =>
    request.subpath !== ""
      ? errorAnswer(404, "not_found", `no console endpoint usage/${request.subpath}`)
      : answerFromLedger(deps.ledger, async (ledger) => {
          const params = request.query;
          refuseUnknown(params, ["range", "from", "to", "group_by", "format"]);
          const range = parseConsoleRange(params, request.nowMs);
          const groupBy = parseGroupBy(params, deps.attributeNames);
          const format = parseChoice(params, "format", ["json", "csv"]);
          const rollups = await ledger.rollup(rollupQuery(range));
          const totaller = new UsageTotaller(groupBy);
          // The group of every rollup row, so that only the plotted groups get series (a series per
          // group of thousands of consumers over hundreds of days would not fit in memory).
          const groupOf = rollups.map((row) => totaller.addSums(row, row.bucket, row.requests));
          const rows = totaller.totals();
          if (format === "csv") return { status: 200, contentType: CSV_TYPE, body: usageCsv(groupBy, rows) };
          const body = JSON.stringify({
            from: range.from,
            to: range.to,
            bucket_seconds: range.bucketMs / 1000,
            group_by: groupBy,
            dimensions,
            rows: rows.map(usageRowJson),
            series: { time: bucketTimes(range), groups: plottedGroups(rows, rollups, groupOf, range) },
          });
          return { status: 200, contentType: JSON_TYPE, body };
        });
}

/**
 * The groups with the most tokens, largest first (ties keep the rows' order), then the rest as one
 * (`keys: null`): their requests and total tokens per bucket.
 */
function plottedGroups(
  rows: readonly UsageTotals[],
  rollups: readonly RollupRow[],
  groupOf: readonly UsageTotals[],
  range: ConsoleRange,
): GroupSeries[] {
  const zeros = () => new Array<number>(range.buckets).fill(0);
  const byTokens = [...rows].sort((a, b) => b.total_tokens - a.total_tokens);
  const series = new Map<UsageTotals, GroupSeries>();
  for (const group of byTokens.slice(0, PLOTTED_GROUPS)) {
    series.set(group, { keys: group.keys, requests: zeros(), total_tokens: zeros() });
  }
  const others: GroupSeries | undefined =
    byTokens.length > PLOTTED_GROUPS ? { keys: null, requests: zeros(), total_tokens: zeros() } : undefined;
  const bucketIndex = bucketIndexer(range);
  for (let j = 0; j < rollups.length; j++) {
    const target = series.get(groupOf[j]!) ?? others!;
    const i = bucketIndex(rollups[j]!.bucket);
    target.requests[i]! += rollups[j]!.requests;
    target.total_tokens[i]! += rollups[j]!.total_tokens;
  }
  return others ? [...series.values(), others] : [...series.values()];
}
