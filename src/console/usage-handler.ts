import { JSON_TYPE } from "../gateway/send-response.js";
import { usageCsv } from "../usage/usage-csv.js";
import { BUILT_IN_GROUP_KEYS, parseChoice, parseGroupBy, refuseUnknown } from "../usage/usage-parameters.js";
import { UsageTotaller, type UsageTotals, usageRowJson } from "../usage/usage-totals.js";
import type { ConsoleHandler } from "./console-handler.js";
import { bucketIndexer, bucketTimes, parseConsoleRange, rollupQuery } from "./console-range.js";
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
    answerFromLedger(deps.ledger, async (ledger) => {
      const params = request.query;
      refuseUnknown(params, ["range", "from", "to", "group_by", "format"]);
      const range = parseConsoleRange(params, request.nowMs);
      const groupBy = parseGroupBy(params, deps.attributeNames);
      const format = parseChoice(params, "format", ["json", "csv"]);
      const rollups = await ledger.rollup(rollupQuery(range));
      const zeros = () => new Array<number>(range.buckets).fill(0);
      const totaller = new UsageTotaller(groupBy);
      const perGroup = new Map<UsageTotals, GroupSeries>();
      const bucketIndex = bucketIndexer(range);
      for (const row of rollups) {
        const i = bucketIndex(row.bucket);
        const group = totaller.addSums(row, row.bucket, row.requests);
        let series = perGroup.get(group);
        if (!series) {
          series = { keys: group.keys, requests: zeros(), total_tokens: zeros() };
          perGroup.set(group, series);
        }
        series.requests[i]! += row.requests;
        series.total_tokens[i]! += row.total_tokens;
      }
      const rows = totaller.totals();
      if (format === "csv") return { status: 200, contentType: CSV_TYPE, body: usageCsv(groupBy, rows) };
      const body = JSON.stringify({
        from: range.from,
        to: range.to,
        bucket_seconds: range.bucketMs / 1000,
        group_by: groupBy,
        dimensions,
        rows: rows.map(usageRowJson),
        series: { time: bucketTimes(range), groups: plottedGroups(rows, perGroup, zeros) },
      });
      return { status: 200, contentType: JSON_TYPE, body };
    });
}

/** The groups with the most tokens, largest first (ties keep the rows' order), then the rest as one. */
function plottedGroups(
  rows: readonly UsageTotals[],
  perGroup: ReadonlyMap<UsageTotals, GroupSeries>,
  zeros: () => number[],
): GroupSeries[] {
  const byTokens = [...rows].sort((a, b) => b.total_tokens - a.total_tokens);
  const groups = byTokens.slice(0, PLOTTED_GROUPS).map((group) => perGroup.get(group)!);
  const rest = byTokens.slice(PLOTTED_GROUPS);
  if (rest.length === 0) return groups;
  const others: GroupSeries = { keys: null, requests: zeros(), total_tokens: zeros() };
  for (const group of rest) {
    const { requests, total_tokens } = perGroup.get(group)!;
    for (let i = 0; i < requests.length; i++) {
      others.requests[i]! += requests[i]!;
      others.total_tokens[i]! += total_tokens[i]!;
    }
  }
  return [...groups, others];
}
