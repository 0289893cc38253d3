import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ConsoleHandler } from "../../src/console/console-handler.js";
import type { RollupSource } from "../../src/console/rollup-source.js";
import { usageHandler } from "../../src/console/usage-handler.js";
import { DEFAULT_LEDGER_SETTINGS, Ledger } from "../../src/usage/ledger.js";
import type { LedgerRow } from "../../src/usage/ledger-row.js";
import { LedgerSpill } from "../../src/usage/ledger-spill.js";
import { answerUsageRequest, USAGE_PATH } from "../../src/usage/usage-api.js";
import { usageCsv } from "../../src/usage/usage-csv.js";
import { UsageTotaller, usageRowJson } from "../../src/usage/usage-totals.js";
import { ledgerRow } from "../support/ledger-rows.js";
import { MemoryLedgerStore } from "../support/memory-ledger-store.js";
import { MemoryRollupSource } from "../support/memory-rollup-source.js";

const NOW = Date.parse("2026-12-03T10:37:12.345Z");
const ATTRIBUTES = ["tenant.id"];

function handler(ledger: RollupSource | undefined): ConsoleHandler {
  return usageHandler({ ledger, attributeNames: ATTRIBUTES });
}

async function call(h: ConsoleHandler, query: string) {
  const answer = await h({ query: new URLSearchParams(query), subpath: "", nowMs: NOW });
  const json =
    answer.contentType === "application/json" ? (JSON.parse(answer.body) as Record<string, unknown>) : {};
  return { ...answer, json };
}

const records = [
  ledgerRow(
    "2026-12-02T09:40:05.000Z",
    {
      consumer: "a",
      attributes: { "tenant.id": "acme" },
      requestModel: "gpt-4o",
      costs: { llm_total_token: 150 },
    },
    { inputTokens: 100, outputTokens: 50, cachedInputTokens: 20, reasoningTokens: 5 },
  ),
  ledgerRow(
    "2026-12-02T23:59:59.999Z",
    { consumer: "a", attributes: { "tenant.id": "acme" }, requestModel: "gpt-4o", status: 500 },
    { inputTokens: 10 },
  ),
  ledgerRow(
    "2026-12-03T00:00:00.000Z",
    { consumer: "b", attributes: { "tenant.id": "globex" }, requestModel: "claude", costs: { spend: 7 } },
    { inputTokens: 200, outputTokens: 100, cacheCreationInputTokens: 30 },
  ),
  ledgerRow("2026-12-03T10:37:00.000Z", { requestModel: "claude", status: 429 }),
];

test("rows grouped by model, in the usage API's shape, with the dimensions and the range covered", async () => {
  const source = new MemoryRollupSource(records);
  const answer = await call(handler(source), "group_by=model");
  assert.equal(answer.status, 200);
  assert.deepEqual(source.queries, [
    { grain: "hour", from: "2026-12-02T10:00:00.000Z", to: "2026-12-03T11:00:00.000Z" },
  ]);
  const { json } = answer;
  assert.deepEqual(Object.keys(json), [
    "from",
    "to",
    "bucket_seconds",
    "group_by",
    "dimensions",
    "rows",
    "series",
  ]);
  assert.equal(json.from, "2026-12-02T10:00:00.000Z");
  assert.equal(json.to, "2026-12-03T10:37:12.345Z");
  assert.equal(json.bucket_seconds, 3600);
  assert.deepEqual(json.group_by, ["model"]);
  assert.deepEqual(json.dimensions, [
    "consumer",
    "route",
    "original_model",
    "request_model",
    "model",
    "response_model",
    "backend",
    "status",
    "day",
    "hour",
    "tenant.id",
  ]);
  assert.deepEqual(json.rows, [
    {
      model: "claude",
      requests: 2,
      input_tokens: 200,
      cached_input_tokens: 0,
      cache_creation_input_tokens: 30,
      output_tokens: 100,
      reasoning_tokens: 0,
      total_tokens: 300,
      costs: { spend: 7 },
    },
    {
      model: "gpt-4o",
      requests: 1,
      input_tokens: 10,
      cached_input_tokens: 0,
      cache_creation_input_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      total_tokens: 10,
      costs: {},
    },
  ]);
  // 09:40 on the 2nd is before the 24 hours' first bucket (10:00).
  const series = json.series as { time: number[]; groups: unknown[] };
  assert.equal(series.time.length, 25);
  assert.equal(series.time[0], Date.parse("2026-12-02T10:00:00Z") / 1000);
  const hourly = (values: Record<number, number>) => {
    const out = new Array<number>(25).fill(0);
    for (const [i, v] of Object.entries(values)) out[Number(i)] = v;
    return out;
  };
  assert.deepEqual(series.groups, [
    { keys: { model: "claude" }, requests: hourly({ 14: 1, 24: 1 }), total_tokens: hourly({ 14: 300 }) },
    { keys: { model: "gpt-4o" }, requests: hourly({ 13: 1 }), total_tokens: hourly({ 13: 10 }) },
  ]);
});

test("group_by an attribute and the status; day and hour come from the buckets", async () => {
  const source = new MemoryRollupSource(records);
  const range = "from=2026-12-02&to=2026-12-04";
  const byTenant = await call(handler(source), `${range}&group_by=tenant.id,status`);
  assert.deepEqual(
    (byTenant.json.rows as Record<string, unknown>[]).map((r) => [r["tenant.id"], r.status, r.requests]),
    [
      [null, 429, 1],
      ["acme", 200, 1],
      ["acme", 500, 1],
      ["globex", 200, 1],
    ],
  );
  const byDay = await call(handler(source), `${range}&group_by=day`);
  assert.deepEqual(
    (byDay.json.rows as Record<string, unknown>[]).map((r) => [r.day, r.requests, r.total_tokens]),
    [
      ["2026-12-02", 2, 160],
      ["2026-12-03", 2, 300],
    ],
  );
  const byHour = await call(handler(source), `${range}&group_by=hour,consumer`);
  assert.deepEqual(
    (byHour.json.rows as Record<string, unknown>[]).map((r) => [r.hour, r.consumer, r.requests]),
    [
      ["2026-12-02T09:00:00Z", "a", 1],
      ["2026-12-02T23:00:00Z", "a", 1],
      ["2026-12-03T00:00:00Z", "b", 1],
      ["2026-12-03T10:00:00Z", null, 1],
    ],
  );
  const minutes = await call(
    handler(source),
    "from=2026-12-03T10:00:00Z&to=2026-12-03T11:00:00Z&group_by=hour",
  );
  assert.equal(minutes.json.bucket_seconds, 60);
  assert.deepEqual(
    (minutes.json.rows as Record<string, unknown>[]).map((r) => [r.hour, r.requests]),
    [["2026-12-03T10:00:00Z", 1]],
    "minute buckets name their hour",
  );
});

test("format=csv is the usage API's CSV of the same rows", async () => {
  const source = new MemoryRollupSource(records);
  const answer = await call(
    handler(source),
    "from=2026-12-02&to=2026-12-04&group_by=consumer,model&format=csv",
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.contentType, "text/csv; charset=utf-8");
  const totaller = new UsageTotaller(["consumer", "model"]);
  for (const record of records) totaller.add(record);
  assert.equal(answer.body, usageCsv(["consumer", "model"], totaller.totals()));
  assert.match(answer.body, /^consumer,model,requests,.*,cost\.llm_total_token,cost\.spend\r\n/);
});

test("the plot's series: the 12 groups with the most tokens, ties in row order, the rest summed under keys null", async () => {
  const many: LedgerRow[] = [];
  for (let i = 1; i <= 14; i++) {
    const consumer = `c${String(i).padStart(2, "0")}`;
    many.push(ledgerRow("2026-12-03T10:01:00.000Z", { consumer }, { inputTokens: i * 10 }));
    many.push(ledgerRow("2026-12-03T10:02:30.000Z", { consumer }, { outputTokens: i }));
  }
  // Ties with c14's tokens: they come in the rows' order, after it.
  many.push(ledgerRow("2026-12-03T10:00:00.000Z", { consumer: "x" }, { inputTokens: 154 }));
  many.push(ledgerRow("2026-12-03T10:00:00.000Z", { consumer: "w" }, { inputTokens: 154 }));
  const { json } = await call(
    handler(new MemoryRollupSource(many)),
    "from=2026-12-03T10:00:00Z&to=2026-12-03T10:03:00Z&group_by=consumer",
  );
  const series = json.series as {
    time: number[];
    groups: { keys: Record<string, string> | null; requests: number[]; total_tokens: number[] }[];
  };
  assert.equal(series.time.length, 3);
  assert.deepEqual(
    series.groups.map((g) => g.keys?.consumer ?? null),
    ["c14", "w", "x", "c13", "c12", "c11", "c10", "c09", "c08", "c07", "c06", "c05", null],
  );
  assert.deepEqual(series.groups[0], {
    keys: { consumer: "c14" },
    requests: [0, 1, 1],
    total_tokens: [0, 140, 14],
  });
  assert.deepEqual(series.groups[1], {
    keys: { consumer: "w" },
    requests: [1, 0, 0],
    total_tokens: [154, 0, 0],
  });
  // c01 to c04: 10+20+30+40 input tokens at 10:01, 1+2+3+4 output tokens at 10:02.
  assert.deepEqual(series.groups[12], { keys: null, requests: [0, 4, 4], total_tokens: [0, 100, 10] });
  assert.equal((json.rows as unknown[]).length, 16, "the rows are every group still");
});

test("without group_by one row and one plotted group; a range without records has none", async () => {
  const source = new MemoryRollupSource(records);
  const all = await call(handler(source), "from=2026-12-02&to=2026-12-04");
  assert.deepEqual(
    (all.json.rows as Record<string, unknown>[]).map((r) => [r.requests, r.total_tokens]),
    [[4, 460]],
  );
  const groups = (all.json.series as { groups: { keys: unknown }[] }).groups;
  assert.deepEqual(
    groups.map((g) => g.keys),
    [{}],
  );
  const quiet = await call(handler(source), "range=1h&group_by=consumer");
  assert.deepEqual((quiet.json.series as { time: number[] }).time.length, 61);
  const none = await call(handler(source), "from=2026-11-01&to=2026-11-02&group_by=consumer");
  assert.deepEqual(none.json.rows, []);
  assert.deepEqual((none.json.series as { groups: unknown[] }).groups, []);
  const empty = await call(handler(source), "from=2026-11-01&to=2026-11-01");
  assert.deepEqual(empty.json.rows, []);
  assert.deepEqual(empty.json.series, { time: [], groups: [] });
  const csv = await call(handler(source), "from=2026-11-01&to=2026-11-01&group_by=model&format=csv");
  assert.equal(csv.body, usageCsv(["model"], []));
});

test("with the ledger off: 404 ledger_off; an unreadable ledger: 503", async () => {
  const off = await call(handler(undefined), "group_by=model");
  assert.equal(off.status, 404);
  assert.equal((off.json.error as { type: string }).type, "ledger_off");
  const source = new MemoryRollupSource(records);
  source.down = true;
  const down = await call(handler(source), "format=csv");
  assert.equal(down.status, 503);
  assert.equal((down.json.error as { type: string }).type, "ledger_unavailable");
});

test("a bad, repeated or unknown parameter is a 400 naming it", async () => {
  const source = new MemoryRollupSource(records);
  const cases: [string, string][] = [
    ["range=1d", "range"],
    ["range=7d&to=2026-12-01", "range"],
    ["from=2026-12-32", "from"],
    ["to=2026-12-01T10:00:00Z&to=2026-12-02", "to"],
    ["group_by=consumer,colour", "group_by"],
    ["group_by=model,request_model", "group_by"],
    ["group_by=consumer&group_by=model", "group_by"],
    ["format=xml", "format"],
    ["format=json&format=csv", "format"],
    ["groupby=consumer", "groupby"],
    ["consumer=a", "consumer"],
  ];
  for (const [query, param] of cases) {
    const { status, json } = await call(handler(source), query);
    assert.equal(status, 400, query);
    const error = json.error as { type: string; param: string; message: string };
    assert.equal(error.type, "invalid_parameter", query);
    assert.equal(error.param, param, query);
    assert.ok(error.message.startsWith(`${param}: `), error.message);
  }
  assert.deepEqual(source.queries, [], "nothing is read for a bad request");
});

/** Records over two days with every dimension varying, from a fixed seed. */
function mixedRecords(): LedgerRow[] {
  let seed = 15;
  const pick = <T>(values: readonly T[]): T => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return values[seed % values.length]!;
  };
  const start = Date.parse("2026-12-01T00:00:00Z");
  const out: LedgerRow[] = [];
  for (let i = 0; i < 600; i++) {
    const time = new Date(
      start + pick([0, 1, 7, 13, 29, 41]) * 3_600_000 + pick([0, 59_999, 61_000, 1_800_000]) + i,
    ).toISOString();
    const requestModel = pick(["gpt-4o", "claude", undefined]);
    out.push(
      ledgerRow(
        time,
        {
          consumer: pick(["a", "b", "c", undefined]),
          attributes: pick([{ "tenant.id": "acme" }, { "tenant.id": "globex" }, undefined]),
          route: pick(["default/r1", "default/r2"]),
          originalModel: pick(["fast", requestModel]),
          requestModel,
          responseModel: pick([requestModel, `${requestModel}-2026`, undefined]),
          backend: pick(["default/b1", "default/b2", undefined]),
          status: pick([200, 200, 200, 429, 500]),
          costs: pick<Record<string, number>>([
            {},
            { llm_total_token: pick([1, 10, 100]) },
            { spend: pick([2, 3]), llm_total_token: 5 },
          ]),
        },
        {
          inputTokens: pick([0, 3, 17, 250]),
          outputTokens: pick([0, 9, 40]),
          cachedInputTokens: pick([0, 2]),
          cacheCreationInputTokens: pick([0, 1]),
          reasoningTokens: pick([0, 4]),
        },
      ),
    );
  }
  return out;
}

const GROUPINGS = [
  [],
  ["model"],
  ["consumer", "tenant.id"],
  ["day"],
  ["hour", "status"],
  ["original_model", "response_model", "backend", "route"],
  ["request_model", "day", "consumer"],
];

test("the rollups' rows are the raw records' rows: UsageTotaller and /v1/usage give the same, JSON and CSV", async () => {
  const raw = mixedRecords();
  const store = new MemoryLedgerStore();
  await store.insert(raw);
  const v1 = new Ledger(
    store,
    new LedgerSpill(mkdtempSync(join(tmpdir(), "aigw-console-v1-")), "memory"),
    { ...DEFAULT_LEDGER_SETTINGS, flushIntervalMs: 60_000 },
    () => undefined,
  );
  try {
    const source = new MemoryRollupSource(raw);
    // Whole days by the hour, and four hours by the minute (records at :59.999 and :01 sit on bucket edges).
    for (const range of [
      "from=2026-12-01&to=2026-12-03",
      "from=2026-12-01T12:00:00Z&to=2026-12-01T16:00:00Z",
    ]) {
      for (const groupBy of GROUPINGS) {
        const query = `${range}&group_by=${groupBy.join(",")}`;
        const consoleRows = (await call(handler(source), query)).json.rows;
        const totaller = new UsageTotaller(groupBy);
        const params = new URLSearchParams(query);
        const [from, to] = [Date.parse(params.get("from")!), Date.parse(params.get("to")!)];
        for (const record of raw) {
          const t = Date.parse(record.time);
          if (t >= from && t < to) totaller.add(record);
        }
        assert.deepEqual(consoleRows, totaller.totals().map(usageRowJson), query);
        assert.ok((consoleRows as unknown[]).length > 0, query);
        const context = { ledger: v1, attributeNames: ATTRIBUTES };
        const usageApi = await answerUsageRequest(USAGE_PATH, params, context, NOW);
        assert.deepEqual(consoleRows, (JSON.parse(usageApi.body) as { rows: unknown[] }).rows, query);
        params.set("format", "csv");
        const csv = await answerUsageRequest(USAGE_PATH, params, context, NOW);
        assert.equal((await call(handler(source), `${query}&format=csv`)).body, csv.body, query);
      }
    }
  } finally {
    await v1.close(1000);
  }
});
