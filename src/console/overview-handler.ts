import { JSON_TYPE } from "../gateway/send-response.js";
import { errorAnswer } from "../usage/usage-api.js";
import { refuseUnknown } from "../usage/usage-parameters.js";
import type { RollupRow } from "../usage/usage-rollup.js";
import { compareValues, type GroupValue } from "../usage/usage-totals.js";
import type { ConsoleHandler } from "./console-handler.js";
import {
  bucketIndexer,
  bucketTimes,
  type ConsoleRange,
  parseConsoleRange,
  rollupQuery,
} from "./console-range.js";
import { answerFromLedger } from "./ledger-answer.js";
import type { OverheadSource } from "./overhead-source.js";
import type { RollupSource } from "./rollup-source.js";

export interface OverviewDeps {
  /** Undefined with `--ledger off`. */
  readonly ledger: RollupSource | undefined;
  /** The `--request-header-attributes` names: each has a top list. */
  readonly attributeNames: readonly string[];
  readonly overhead: OverheadSource;
}

/** Values per top list. */
const TOP = 10;

/** The token counts of the overview's totals (its series leave out total_tokens, as documented). */
const OVERVIEW_TOKENS = ["input_tokens", "output_tokens", "total_tokens"] as const;

/**
 * `GET /console/api/overview`: the range's totals, a value per bucket of the same, the gateway's
 * overhead per bucket and the top values of the model, the consumer and each header attribute, all
 * from the ledger's rollups (docs/console.md).
 */
export function overviewHandler(deps: OverviewDeps): ConsoleHandler {
  const readers = topReaders(deps.attributeNames);
  return (request) =>
    request.subpath !== ""
      ? errorAnswer(404, "not_found", `no console endpoint overview/${request.subpath}`)
      : answerFromLedger(deps.ledger, async (ledger) => {
          refuseUnknown(request.query, ["range", "from", "to"]);
          const range = parseConsoleRange(request.query, request.nowMs);
          const rows = await ledger.rollup(rollupQuery(range));
          const overhead = deps.overhead.series(range.fromMs, range.toMs, range.bucketMs);
          const body = JSON.stringify({
            from: range.from,
            to: range.to,
            bucket_seconds: range.bucketMs / 1000,
            source: "ledger",
            ...totalsAndSeries(range, rows),
            overhead: { time: bucketTimes(range), p50_ms: overhead.p50_ms, p99_ms: overhead.p99_ms },
            top: topLists(readers, rows),
          });
          return { status: 200, contentType: JSON_TYPE, body };
        });
}

function totalsAndSeries(range: ConsoleRange, rows: readonly RollupRow[]) {
  const zeros = () => new Array<number>(range.buckets).fill(0);
  const totals = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  const totalCosts: Record<string, number> = {};
  const series = {
    time: bucketTimes(range),
    requests: zeros(),
    errors: zeros(),
    input_tokens: zeros(),
    output_tokens: zeros(),
  };
  const seriesCosts: Record<string, number[]> = {};
  const bucketIndex = bucketIndexer(range);
  for (const row of rows) {
    const i = bucketIndex(row.bucket);
    const errors = row.status >= 200 && row.status < 300 ? 0 : row.requests;
    totals.requests += row.requests;
    totals.errors += errors;
    series.requests[i]! += row.requests;
    series.errors[i]! += errors;
    for (const column of OVERVIEW_TOKENS) totals[column] += row[column];
    series.input_tokens[i]! += row.input_tokens;
    series.output_tokens[i]! += row.output_tokens;
    for (const key in row.costs) {
      const cost = row.costs[key] ?? 0;
      totalCosts[key] = (totalCosts[key] ?? 0) + cost;
      const perBucket = seriesCosts[key] ?? zeros();
      perBucket[i]! += cost;
      seriesCosts[key] = perBucket;
    }
  }
  return { totals: { ...totals, costs: totalCosts }, series: { ...series, costs: seriesCosts } };
}

/** How each top list reads a rollup row: `model` is the model sent upstream, as in the usage API. */
function topReaders(attributeNames: readonly string[]): [string, (row: RollupRow) => GroupValue][] {
  return [
    ["model", (row) => row.request_model],
    ["consumer", (row) => row.consumer],
    ...attributeNames.map((name): [string, (row: RollupRow) => GroupValue] => [
      name,
      (row) => row.attributes?.[name] ?? null,
    ]),
  ];
}

/** Per key, its values with the most requests; ties in the usage API's order of values (null first). */
function topLists(readers: ReturnType<typeof topReaders>, rows: readonly RollupRow[]) {
  const top: Record<string, { value: GroupValue; requests: number }[]> = {};
  for (const [key, read] of readers) {
    const counts = new Map<GroupValue, number>();
    for (const row of rows) {
      const value = read(row);
      counts.set(value, (counts.get(value) ?? 0) + row.requests);
    }
    top[key] = [...counts]
      .sort(([a, n], [b, m]) => m - n || compareValues(a, b))
      .slice(0, TOP)
      .map(([value, requests]) => ({ value, requests }));
  }
  return top;
}
