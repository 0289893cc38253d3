import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { OverheadSeries } from "../src/console/overhead-series.js";
import { overviewHandler } from "../src/console/overview-handler.js";
import type { LedgerRow } from "../src/usage/ledger-row.js";
import type { LedgerStore } from "../src/usage/ledger-store.js";
import { isoTimestamp } from "../src/util/iso-timestamp.js";
import { uuidV7 } from "../src/util/uuid-v7.js";

/**
 * The console overview's query over 30 days of ledger: a fresh SQLite file (through the worker
 * thread the gateway runs it in) and a fresh PostgreSQL database are filled with `--records`
 * records spread over 30 days ending now (3 tenants as the `tenant.id` attribute, 2 models, 6
 * consumers, 429/500/503 among the statuses, a `spend` cost), by the stores' own insert in batches
 * of 500, as the ledger writes them. Then the console's overview endpoint (overviewHandler) for
 * `range=30d` over that store, from the hourly rollups to its JSON answer, is timed `--runs` times:
 * p50 and p95, against the 300 ms budget.
 *
 * `--writer` instead times only the writes: `--writer-records` records in batches of 500 into a
 * fresh store, `--writer-rate` of them a second of record time (a batch spans half a second), per store, with the store modules of `--build` (a `dist/` directory, default this
 * build's): run it with an earlier build's `dist/` for the cost of keeping rollups.
 *
 * Usage: node dist/bench/console-overview-bench.js [--records 1000000] [--runs 20]
 *   [--stores sqlite,postgres] [--postgres postgres://postgres@127.0.0.1:5432/test]
 *   [--writer [--writer-records 100000] [--writer-rate 1000] [--build ../other/dist]]
 *   [--fill-sqlite PATH: only fill that SQLite ledger file with --records records, for a gateway to open]
 * Progress goes to stderr, the results as one JSON line to stdout.
 */
const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    runs: { type: "string", default: "20" },
    stores: { type: "string", default: "sqlite,postgres" },
    /** A database the bench may create (and drop) databases from. */
    postgres: { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    writer: { type: "boolean", default: false },
    "writer-records": { type: "string", default: "100000" },
    "writer-rate": { type: "string", default: "1000" },
    build: { type: "string", default: resolve(import.meta.dirname, "..") },
    "fill-sqlite": { type: "string" },
  },
});

const DAY_MS = 86_400_000;
const BATCH = 500;
const BUDGET_MS = 300;
const TENANTS = ["acme", "globex", "initech"];
const MODELS = ["gpt-4o-mini", "claude-sonnet"];

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Record i of `count` spread evenly over the `spanMs` before `end`. */
function record(i: number, count: number, end: number, spanMs: number): LedgerRow {
  const time = end - spanMs + Math.floor((i * spanMs) / count);
  const tenant = i % 3;
  const model = MODELS[(i >> 2) % 2]!;
  const roll = (i * 7919) % 100;
  const status = roll < 2 ? 429 : roll < 3 ? 500 : roll < 4 ? 503 : 200;
  const input = 200 + ((i * 31) % 1800);
  const output = 20 + ((i * 17) % 400);
  return {
    id: uuidV7(time),
    time: isoTimestamp(time),
    consumer: `${TENANTS[tenant]}-app-${(i >> 3) % 2}`,
    attributes: { "tenant.id": TENANTS[tenant]! },
    route: "default/chat",
    rule: "rule/0",
    original_model: model,
    request_model: model,
    response_model: status === 200 ? `${model}-2026` : null,
    backend: `default/${model}`,
    attempts: 1,
    status,
    stream: i % 2 === 0,
    input_tokens: status === 200 ? input : 0,
    cached_input_tokens: status === 200 ? input >> 2 : 0,
    cache_creation_input_tokens: 0,
    output_tokens: status === 200 ? output : 0,
    reasoning_tokens: 0,
    total_tokens: status === 200 ? input + output : 0,
    costs: status === 200 ? { spend: input + 4 * output } : {},
    duration_ms: 300 + (i % 900),
    ttft_ms: i % 2 === 0 ? 80 : null,
    error: status === 200 ? null : status === 429 ? "rate_limited" : `upstream_${status}`,
  };
}

/** Nearest rank. */
function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** A store of the given build on a fresh file or database; `drop` removes it. */
async function freshStore(
  kind: string,
  build: string,
): Promise<{ store: LedgerStore; drop(): Promise<void> }> {
  const module = (path: string) => import(pathToFileURL(join(build, "src/usage", path)).href);
  if (kind === "sqlite") {
    const { WorkerLedgerStore } = await module("worker-ledger-store.js");
    const dir = mkdtempSync(join(tmpdir(), "aigw-overview-"));
    const store: LedgerStore = await WorkerLedgerStore.open(join(dir, "ledger.sqlite"));
    return { store, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { PostgresLedgerStore } = await module("postgres-ledger-store.js");
  const name = `aigw_bench_${randomBytes(6).toString("hex")}`;
  await administer(`CREATE DATABASE ${name}`);
  const url = new URL(values.postgres);
  url.pathname = `/${name}`;
  const store: LedgerStore = await PostgresLedgerStore.create(url.href, say);
  await store.open();
  return { store, drop: () => administer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function administer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: values.postgres });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Inserts `count` records spread over `spanMs`, a batch of 500 at a time; returns the seconds taken. */
async function fill(store: LedgerStore, count: number, end: number, spanMs: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    const batch: LedgerRow[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) batch.push(record(j, count, end, spanMs));
    await store.insert(batch);
  }
  return (performance.now() - started) / 1000;
}

async function overviewRuns(kind: string): Promise<Record<string, unknown>> {
  const count = Number(values.records);
  const end = Date.now();
  const { store, drop } = await freshStore(kind, values.build);
  try {
    say(`${kind}: filling ${count} records over 30 days ...`);
    const fillSeconds = await fill(store, count, end, 30 * DAY_MS);
    say(`${kind}: filled in ${fillSeconds.toFixed(1)} s`);
    // The console's own endpoint, as the admin listener calls it (the store is its rollup source).
    const handler = overviewHandler({
      ledger: store,
      attributeNames: ["tenant.id"],
      overhead: new OverheadSeries(),
    });
    const request = { query: new URLSearchParams("range=30d"), subpath: "", nowMs: end };
    const samples: number[] = [];
    let answer: { status: number; body: string } | undefined;
    for (let run = 0; run < Number(values.runs); run++) {
      const started = performance.now();
      answer = await handler(request);
      samples.push(performance.now() - started);
    }
    const shown = JSON.parse(answer?.body ?? "{}") as {
      totals?: { requests: number };
      series?: { time: number[] };
      top?: Record<string, unknown>;
    };
    if (answer?.status !== 200 || shown.totals?.requests !== count)
      throw new Error(
        `${kind}: the overview answered ${answer?.status} counting ${shown.totals?.requests} requests, not ${count}`,
      );
    const p50 = percentile(samples, 0.5);
    const p95 = percentile(samples, 0.95);
    say(
      `${kind}: overview of 30 days (${shown.series?.time.length} hourly buckets): p50 ${round(p50)} ms, p95 ${round(p95)} ms ` +
        `(budget ${BUDGET_MS} ms: ${p95 <= BUDGET_MS ? "within" : "OVER"})`,
    );
    return {
      store: kind,
      records: count,
      fillSeconds: round(fillSeconds),
      buckets: shown.series?.time.length,
      answerBytes: answer.body.length,
      p50Ms: round(p50),
      p95Ms: round(p95),
      maxMs: round(Math.max(...samples)),
      topModels: shown.top?.model,
      topTenants: shown.top?.["tenant.id"],
    };
  } finally {
    await store.close();
    await drop();
  }
}

/** The writes alone: elapsed time and this process's CPU per record (the worker's included). */
async function writerRun(kind: string): Promise<Record<string, unknown>> {
  const count = Number(values["writer-records"]);
  const { store, drop } = await freshStore(kind, values.build);
  try {
    // As a busy gateway writes: `--writer-rate` records a second, so a batch spans a minute or two
    // of each grain. A first fill warms the JIT and the file or tables; the second is measured.
    const spanMs = (count / Number(values["writer-rate"])) * 1000;
    await fill(store, count, Date.now() - DAY_MS, spanMs);
    const cpu = process.cpuUsage();
    const seconds = await fill(store, count, Date.now(), spanMs);
    const used = process.cpuUsage(cpu);
    const perRecordUs = (seconds * 1e6) / count;
    const cpuPerRecordUs = (used.user + used.system) / count;
    say(
      `${kind} (${values.build}): ${count} records in ${seconds.toFixed(2)} s, ${perRecordUs.toFixed(2)} µs a record, ` +
        `this process's CPU ${cpuPerRecordUs.toFixed(2)} µs a record`,
    );
    return {
      store: kind,
      build: values.build,
      records: count,
      seconds: round(seconds),
      perRecordUs,
      cpuPerRecordUs,
    };
  } finally {
    await store.close();
    await drop();
  }
}

/** `--fill-sqlite PATH`: a ledger file a gateway then opens, 30 days of records up to now. */
async function fillFile(path: string): Promise<Record<string, unknown>> {
  const { WorkerLedgerStore } = await import(
    pathToFileURL(join(values.build, "src/usage/worker-ledger-store.js")).href
  );
  const store: LedgerStore = await WorkerLedgerStore.open(path);
  try {
    const count = Number(values.records);
    const seconds = await fill(store, count, Date.now(), 30 * DAY_MS);
    say(`filled ${path} with ${count} records in ${seconds.toFixed(1)} s`);
    return { path, records: count, fillSeconds: round(seconds) };
  } finally {
    await store.close();
  }
}

const results: Record<string, unknown>[] = [];
if (values["fill-sqlite"]) results.push(await fillFile(values["fill-sqlite"]));
else
  for (const kind of values.stores.split(","))
    results.push(await (values.writer ? writerRun(kind) : overviewRuns(kind)));
process.stdout.write(`${JSON.stringify(results)}\n`);
