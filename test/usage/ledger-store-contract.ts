import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { DEFAULT_LEDGER_SETTINGS, Ledger } from "../../src/usage/ledger.js";
import { type LedgerRow, toLedgerRow } from "../../src/usage/ledger-row.js";
import { LedgerSpill } from "../../src/usage/ledger-spill.js";
import type { LedgerStore } from "../../src/usage/ledger-store.js";
import { answerUsageRequest } from "../../src/usage/usage-api.js";
import {
  aggregateRollup,
  type RollupGrain,
  type RollupRow,
  rollupDims,
} from "../../src/usage/usage-rollup.js";
import { requestRecord } from "../support/request-record.js";

/** Makes a store on an empty ledger; the contract closes it. */
export type FreshStore = () => Promise<LedgerStore>;

const T0 = Date.UTC(2026, 10, 30, 22, 59, 59, 990);
const HOUR = 3_600_000;

/** A record of `tokens` input and half as many output tokens. */
function usageRecord(tokens: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  const output = Math.floor(tokens / 2);
  return requestRecord({
    usage: {
      inputTokens: tokens,
      cachedInputTokens: tokens % 7,
      cacheCreationInputTokens: tokens % 3,
      outputTokens: output,
      reasoningTokens: tokens % 5,
      totalTokens: tokens + output,
    },
    costs: { llm_total_token: tokens + output, spend: tokens / 4 },
    ...overrides,
  });
}

/**
 * A varied day and a half around two UTC midnights and many hours: consumers, attributes, models,
 * backends, statuses (with their errors), a stream, and rows without consumer or costs.
 */
function variedRows(): LedgerRow[] {
  const rows: LedgerRow[] = [];
  for (let i = 0; i < 60; i++) {
    const time = T0 + i * 37 * 60_000 + (i % 3);
    const status = i % 11 === 0 ? 500 : i % 13 === 0 ? 429 : 200;
    const record = usageRecord(10 + i, {
      consumer: i % 5 === 0 ? undefined : `team-${i % 3}`,
      attributes:
        i % 4 === 0 ? undefined : { "tenant.id": `t${i % 2}`, department: i % 6 === 0 ? "r&d" : "sales" },
      route: `default/route-${i % 2}`,
      originalModel: `gpt-${i % 3}`,
      requestModel: `gpt-${i % 3}${i % 2 ? "-override" : ""}`,
      responseModel: i % 7 === 0 ? undefined : `gpt-${i % 3}-2026`,
      backend: `default/backend-${i % 4}`,
      status,
      error: status === 429 ? "rate_limited" : undefined,
      attempts: [
        {
          backend: `default/backend-${i % 4}`,
          status: status === 429 ? 0 : status,
          error: undefined,
          durationMs: 1,
        },
      ],
      stream: i % 2 === 0,
      costs: i % 9 === 0 ? {} : { llm_total_token: 10 + i + Math.floor((10 + i) / 2), spend: (10 + i) / 4 },
    });
    rows.push(toLedgerRow(record, time));
  }
  return rows;
}

function ledgerOver(store: LedgerStore): Ledger {
  const spill = new LedgerSpill(mkdtempSync(join(tmpdir(), "aigw-contract-")), store.name);
  return new Ledger(store, spill, DEFAULT_LEDGER_SETTINGS, () => undefined);
}

async function usage(ledger: Ledger, query: string, attributes = ["tenant.id", "department"]) {
  const answer = await answerUsageRequest(
    "/v1/usage",
    new URLSearchParams(query),
    { ledger, attributeNames: attributes },
    T0 + 100 * HOUR,
  );
  assert.equal(answer.status, 200, answer.body);
  const json = answer.contentType === "application/json" ? JSON.parse(answer.body) : undefined;
  return { answer, json: json as { rows: Record<string, unknown>[]; group_by: string[] } };
}

/** The totals of `rows` by `key`, computed here independently of the API. */
function expectedTotals(
  rows: readonly LedgerRow[],
  key: (row: LedgerRow) => unknown,
): Map<string, Record<string, unknown>> {
  const groups = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const k = JSON.stringify(key(row) ?? null);
    const g = groups.get(k) ?? {
      requests: 0,
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      cached_input_tokens: 0,
      cache_creation_input_tokens: 0,
      reasoning_tokens: 0,
      costs: {} as Record<string, number>,
    };
    groups.set(k, g);
    g.requests = (g.requests as number) + 1;
    for (const c of [
      "input_tokens",
      "output_tokens",
      "total_tokens",
      "cached_input_tokens",
      "cache_creation_input_tokens",
      "reasoning_tokens",
    ] as const) {
      g[c] = (g[c] as number) + row[c];
    }
    const costs = g.costs as Record<string, number>;
    for (const [name, value] of Object.entries(row.costs)) costs[name] = (costs[name] ?? 0) + value;
  }
  return groups;
}

const WIDE = "from=2026-11-01T00:00:00Z&to=2026-12-10T00:00:00Z";

/** What every LedgerStore must do, run against each store. */
export function ledgerStoreContract(name: string, fresh: FreshStore): void {
  const withStore = (title: string, body: (store: LedgerStore) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const store = await fresh();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  withStore("rows read back exactly as written, newest first", async (store) => {
    const rows = variedRows();
    await store.insert(rows);
    const read = await store.page({
      from: "2026-01-01T00:00:00.000Z",
      to: "2027-01-01T00:00:00.000Z",
      limit: 1000,
    });
    const expected = [...rows].sort((a, b) =>
      a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1,
    );
    assert.deepEqual(read, expected);
  });

  withStore("text with tabs, newlines, backslashes and quotes reads back as written", async (store) => {
    const odd = "a\tb\nc\rd\\e \"f\" 'g' \\N \\\\t ü 😀";
    const row = toLedgerRow(
      requestRecord({
        consumer: odd,
        attributes: { "tenant.id": odd, [odd]: "key" },
        originalModel: `${odd}-model`,
        status: 502,
        error: odd,
        costs: { [odd]: 1.25 },
      }),
      T0,
    );
    await store.insert([row]);
    assert.deepEqual(
      await store.page({ from: "2026-01-01T00:00:00.000Z", to: "2027-01-01T00:00:00.000Z", limit: 10 }),
      [row],
    );
  });

  withStore(
    "a batch written again (a retry) and overlapping batches keep each record once",
    async (store) => {
      const rows = variedRows();
      await store.insert(rows.slice(0, 40));
      await store.insert(rows.slice(0, 40));
      await store.insert(rows.slice(30));
      const read = await store.page({
        from: "2026-01-01T00:00:00.000Z",
        to: "2027-01-01T00:00:00.000Z",
        limit: 1000,
      });
      assert.equal(read.length, rows.length);
      assert.equal(new Set(read.map((r) => r.id)).size, rows.length);
    },
  );

  withStore("pages: from is inclusive, to exclusive, consumer filters", async (store) => {
    const at = (ms: number, consumer?: string) => toLedgerRow(requestRecord({ consumer }), ms);
    const edge = [at(T0 - 1), at(T0, "a"), at(T0 + 1, "b"), at(T0 + 1000, "a"), at(T0 + 1001)];
    await store.insert(edge);
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 1000).toISOString();
    const inRange = await store.page({ from, to, limit: 100 });
    assert.deepEqual(
      inRange.map((r) => r.id),
      [edge[2]!.id, edge[1]!.id],
    );
    const ofA = await store.page({ from, to: new Date(T0 + 5000).toISOString(), consumer: "a", limit: 100 });
    assert.deepEqual(
      ofA.map((r) => r.id),
      [edge[3]!.id, edge[1]!.id],
    );
  });

  withStore("cursor pages through records sharing one timestamp without gaps or repeats", async (store) => {
    const rows: LedgerRow[] = [];
    for (let i = 0; i < 23; i++) rows.push(toLedgerRow(requestRecord(), i < 12 ? T0 : T0 + (i % 4)));
    await store.insert(rows);
    const ledger = ledgerOver(store);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = new URLSearchParams(
        cursor
          ? { cursor, limit: "5" }
          : { from: "2026-11-30T00:00:00Z", to: "2026-12-01T00:00:00Z", limit: "5" },
      );
      const answer = await answerUsageRequest(
        "/v1/usage/records",
        query,
        { ledger, attributeNames: [] },
        T0 + HOUR,
      );
      assert.equal(answer.status, 200, answer.body);
      const page = JSON.parse(answer.body) as {
        records: { id: string; time: string }[];
        next_cursor: string | null;
      };
      seen.push(...page.records.map((r) => r.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null);
    assert.equal(pages, 5);
    const expected = [...rows].sort((a, b) =>
      a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1,
    );
    assert.deepEqual(
      seen,
      expected.map((r) => r.id),
    );
  });

  withStore("group_by each key gives the totals summed from the rows", async (store) => {
    const rows = variedRows();
    await store.insert(rows);
    const ledger = ledgerOver(store);
    const keys: [string, (row: LedgerRow) => unknown][] = [
      ["consumer", (r) => r.consumer],
      ["route", (r) => r.route],
      ["original_model", (r) => r.original_model],
      ["request_model", (r) => r.request_model],
      ["model", (r) => r.request_model],
      ["response_model", (r) => r.response_model],
      ["backend", (r) => r.backend],
      ["status", (r) => r.status],
      ["day", (r) => r.time.slice(0, 10)],
      ["hour", (r) => `${r.time.slice(0, 13)}:00:00Z`],
      ["tenant.id", (r) => r.attributes?.["tenant.id"] ?? null],
      ["department", (r) => r.attributes?.department ?? null],
    ];
    for (const [key, read] of keys) {
      const { json } = await usage(ledger, `${WIDE}&group_by=${key}`);
      const expected = expectedTotals(rows, read);
      assert.equal(json.rows.length, expected.size, key);
      for (const row of json.rows) {
        const { [key]: value, ...totals } = row;
        assert.deepEqual(totals, expected.get(JSON.stringify(value)), `${key}=${String(value)}`);
      }
    }
    const { json: all } = await usage(ledger, WIDE);
    assert.deepEqual(all.rows, [...expectedTotals(rows, () => "all").values()]);
  });

  withStore("day and hour are UTC buckets; several keys group together", async (store) => {
    const at = (ms: number, consumer: string) => toLedgerRow(usageRecord(10, { consumer }), ms);
    const midnight = Date.UTC(2026, 11, 1);
    await store.insert([
      at(midnight - 1, "a"),
      at(midnight, "a"),
      at(midnight + HOUR - 1, "b"),
      at(midnight + HOUR, "a"),
      at(midnight + HOUR + 1, "a"),
    ]);
    const ledger = ledgerOver(store);
    const { json: days } = await usage(ledger, `${WIDE}&group_by=day`);
    assert.deepEqual(
      days.rows.map((r) => [r.day, r.requests]),
      [
        ["2026-11-30", 1],
        ["2026-12-01", 4],
      ],
    );
    const { json: hours } = await usage(ledger, `${WIDE}&group_by=hour,consumer`);
    assert.deepEqual(
      hours.rows.map((r) => [r.hour, r.consumer, r.requests]),
      [
        ["2026-11-30T23:00:00Z", "a", 1],
        ["2026-12-01T00:00:00Z", "a", 1],
        ["2026-12-01T00:00:00Z", "b", 1],
        ["2026-12-01T01:00:00Z", "a", 2],
      ],
    );
    assert.deepEqual(hours.group_by, ["hour", "consumer"]);
  });

  withStore(
    "rollups are the sums of the records, per minute and per hour, over any range of buckets",
    async (store) => {
      const rows = variedRows();
      for (let i = 0; i < rows.length; i += 7) await store.insert(rows.slice(i, i + 7));
      await assertRollupsExact(store, "of batches");
      const hours = await store.rollup({ grain: "hour", ...EVERYTHING });
      assert.deepEqual(
        hours.map((r) => r.bucket),
        [...hours.map((r) => r.bucket)].sort(),
        "ordered by bucket",
      );
      assert.equal(
        hours.reduce((n, r) => n + r.requests, 0),
        rows.length,
      );
      // from inclusive, to exclusive, as bucket starts.
      const range = {
        grain: "hour" as const,
        from: "2026-12-01T00:00:00.000Z",
        to: "2026-12-01T05:00:00.000Z",
      };
      const inRange = await store.rollup(range);
      const expected = (await rollupOfRecords(store, "hour")).filter(
        (r) => r.bucket >= range.from && r.bucket < range.to,
      );
      assert.ok(expected.some((r) => r.bucket === range.from));
      assert.deepEqual(sortedRollup(inRange), expected);
      assert.deepEqual(
        await store.rollup({
          grain: "minute",
          from: "2027-01-01T00:00:00.000Z",
          to: "2027-02-01T00:00:00.000Z",
        }),
        [],
      );
    },
  );

  // A retry has the batch's first record first (the ledger puts a failed batch back at the front of
  // its queue, and spill files start with it), more records behind it if it grew meanwhile.
  withStore("a batch written again (a retry, one that grew) is rolled up once", async (store) => {
    const rows = variedRows();
    await store.insert(rows.slice(0, 40));
    await store.insert(rows.slice(0, 40));
    await store.insert(rows.slice(0, 50));
    await store.insert(rows.slice(50));
    await store.insert(rows.slice(50));
    await assertRollupsExact(store, "after retries");
    const total = await store.rollup({ grain: "hour", ...EVERYTHING });
    assert.equal(
      total.reduce((n, r) => n + r.requests, 0),
      rows.length,
    );
  });

  withStore(
    "rollups: attributes in any key order are one value; nulls are values of their own",
    async (store) => {
      const at = (ms: number, overrides: Partial<RequestRecord>) =>
        toLedgerRow(usageRecord(10, { consumer: undefined, responseModel: undefined, ...overrides }), ms);
      await store.insert([
        at(T0, { attributes: { "tenant.id": "a", department: "x" } }),
        at(T0 + 1, { attributes: { department: "x", "tenant.id": "a" } }),
        at(T0 + 2, { attributes: undefined }),
        at(T0 + 3, { consumer: "" }),
      ]);
      const [minute] = await store.rollup({ grain: "minute", ...EVERYTHING }).then((r) => [sortedRollup(r)]);
      assert.deepEqual(
        minute!.map((r) => [r.consumer, r.attributes, r.response_model, r.requests]),
        [
          ["", null, null, 1],
          [null, null, null, 1],
          [null, { department: "x", "tenant.id": "a" }, null, 2],
        ],
      );
      await assertRollupsExact(store, "of nulls");
    },
  );

  withStore(
    "CSV carries the same totals as JSON, text with commas, quotes and line breaks intact",
    async (store) => {
      const awkward = ["acme, inc.", 'say "hi"', "two\nlines", "plain", "ünïcødé"];
      await store.insert(
        awkward.map((tenant, i) =>
          toLedgerRow(usageRecord(10 * (i + 1), { attributes: { "tenant.id": tenant } }), T0 + i),
        ),
      );
      const ledger = ledgerOver(store);
      const { json } = await usage(ledger, `${WIDE}&group_by=tenant.id`);
      const { answer } = await usage(ledger, `${WIDE}&group_by=tenant.id&format=csv`);
      assert.equal(answer.contentType, "text/csv; charset=utf-8");
      const [header, ...lines] = parseCsv(answer.body);
      assert.deepEqual(header, [
        "tenant.id",
        "requests",
        "input_tokens",
        "cached_input_tokens",
        "cache_creation_input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "total_tokens",
        "cost.llm_total_token",
        "cost.spend",
      ]);
      const fromCsv = lines.map((fields) => {
        const row: Record<string, unknown> = {};
        header!.forEach((column, i) => {
          row[column] = column === "tenant.id" ? fields[i] : Number(fields[i]);
        });
        return row;
      });
      const fromJson = json.rows.map((row): Record<string, unknown> => {
        const { costs, ...rest } = row as { costs: Record<string, number> };
        return { ...rest, "cost.llm_total_token": costs.llm_total_token, "cost.spend": costs.spend };
      });
      assert.deepEqual(fromCsv, fromJson);
      assert.deepEqual(fromCsv.map((r) => r["tenant.id"]).sort(), [...awkward].sort());
    },
  );
}

const EVERYTHING = { from: "2000-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z" };

/** Rollup rows in one order whatever the store's collation: by bucket, then dimensions as JSON. */
export function sortedRollup(rows: readonly RollupRow[]): RollupRow[] {
  const key = (r: RollupRow) => `${r.bucket} ${rollupDims(r)}`;
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The rollup the store's own records make, summed here from its pages. */
export async function rollupOfRecords(store: LedgerStore, grain: RollupGrain): Promise<RollupRow[]> {
  const rows: LedgerRow[] = [];
  let before: { time: string; id: string } | undefined;
  for (;;) {
    const page = await store.page({ ...EVERYTHING, limit: 1000, before });
    rows.push(...page);
    if (page.length < 1000) break;
    before = { time: page.at(-1)!.time, id: page.at(-1)!.id };
  }
  return sortedRollup(aggregateRollup(rows, grain));
}

/** Asserts that the store's rollups of both grains are the sums of its records. */
export async function assertRollupsExact(store: LedgerStore, what = ""): Promise<void> {
  for (const grain of ["minute", "hour"] as const) {
    const rolled = await store.rollup({ grain, ...EVERYTHING });
    assert.ok(rolled.length > 0, `${grain} rollup of ${what}`);
    assert.deepEqual(sortedRollup(rolled), await rollupOfRecords(store, grain), `${grain} rollup ${what}`);
  }
}

/** RFC 4180, as a spreadsheet reads it: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 1;
    } else field += c;
  }
  assert.equal(row.length, 0, "the last line ends with CRLF");
  return rows;
}
