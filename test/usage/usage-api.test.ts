import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createAdminServer } from "../../src/gateway/admin-server.js";
import { GatewayMetrics } from "../../src/telemetry/gateway-metrics.js";
import { DEFAULT_LEDGER_SETTINGS, Ledger } from "../../src/usage/ledger.js";
import { toLedgerRow } from "../../src/usage/ledger-row.js";
import { LedgerSpill } from "../../src/usage/ledger-spill.js";
import { MemoryLedgerStore } from "../support/memory-ledger-store.js";
import { requestRecord } from "../support/request-record.js";
import { sendRaw } from "../support/send-raw.js";

const TOKEN = "s3cret-admin-token";
const store = new MemoryLedgerStore();
let ledger: Ledger;
let servers: Server[] = [];
let url: string;
let withoutToken: string;
let withoutLedger: string;

async function serve(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  ledger = new Ledger(
    store,
    new LedgerSpill(mkdtempSync(join(tmpdir(), "aigw-api-")), "memory"),
    { ...DEFAULT_LEDGER_SETTINGS, flushIntervalMs: 60_000 },
    () => undefined,
  );
  const usage = { ledger, attributeNames: ["tenant.id"] };
  const metrics = new GatewayMetrics({ attributeNames: [] });
  url = await serve(createAdminServer({ isReady: () => true, token: TOKEN, usage, metrics }));
  withoutToken = await serve(createAdminServer({ isReady: () => true, token: undefined, usage, metrics }));
  withoutLedger = await serve(
    createAdminServer({
      isReady: () => true,
      token: TOKEN,
      metrics,
      usage: { ledger: undefined, attributeNames: [] },
    }),
  );
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  await ledger.close(1000);
});

const auth = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = auth, base = url) =>
  sendRaw(`${base}${path}`, { headers });

test("a missing or wrong token gets 401 with a JSON error; /health and /ready stay open", async () => {
  const attempts: Record<string, string>[] = [
    {},
    { authorization: "Bearer nope" },
    { authorization: `Basic ${TOKEN}` },
    { authorization: `Bearer ${TOKEN}x` },
  ];
  for (const headers of attempts) {
    for (const path of ["/v1/usage", "/v1/usage/records"]) {
      const res = await get(path, headers);
      assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.equal(res.headers["content-type"], "application/json");
      assert.equal(res.headers["www-authenticate"], 'Bearer realm="aigw admin"');
      assert.equal((JSON.parse(res.text) as { error: { type: string } }).error.type, "unauthorized");
    }
  }
  assert.equal((await get("/health", {})).status, 200);
  assert.equal((await get("/ready", {})).status, 200);
  assert.equal((await get("/v1/usage")).status, 200, "the right token passes");
  assert.equal(
    (await get("/v1/usage", { authorization: `bearer  ${TOKEN}` })).status,
    200,
    "the scheme is case-insensitive",
  );
});

test("without an admin token configured the usage API refuses everyone", async () => {
  const res = await get("/v1/usage", auth, withoutToken);
  assert.equal(res.status, 401);
  assert.match(res.text, /needs an admin token \(AIGW_ADMIN_TOKEN\)/);
});

test("with the ledger off the usage API says so (404)", async () => {
  const res = await get("/v1/usage", auth, withoutLedger);
  assert.equal(res.status, 404);
  assert.match(res.text, /the ledger is off/);
});

test("only GET is answered", async () => {
  const res = await sendRaw(`${url}/v1/usage`, { method: "POST", body: "{}", headers: auth });
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, "GET");
});

test("a bad parameter gets 400 naming it", async () => {
  const cases: [string, string][] = [
    ["/v1/usage?from=yesterday", "from"],
    ["/v1/usage?to=2026-13-01T00:00:00Z", "to"],
    ["/v1/usage?from=2026-02-30", "from"],
    ["/v1/usage?from=2026-12-02T10:00:00Z&to=2026-12-01T00:00:00Z", "from"],
    ["/v1/usage?group_by=consumer,colour", "group_by"],
    ["/v1/usage?group_by=model,request_model", "group_by"],
    ["/v1/usage?group_by=consumer,consumer", "group_by"],
    ["/v1/usage?format=xml", "format"],
    ["/v1/usage?groupby=consumer", "groupby"],
    ["/v1/usage?from=2026-12-01&from=2026-12-02", "from"],
    ["/v1/usage/records?limit=0", "limit"],
    ["/v1/usage/records?limit=1001", "limit"],
    ["/v1/usage/records?limit=ten", "limit"],
    ["/v1/usage/records?cursor=bm90LWEtY3Vyc29y", "cursor"],
    ["/v1/usage/records?consumer=a&group_by=consumer", "group_by"],
  ];
  for (const [path, param] of cases) {
    const res = await get(path);
    assert.equal(res.status, 400, path);
    const { error } = JSON.parse(res.text) as { error: { type: string; param: string; message: string } };
    assert.equal(error.type, "invalid_parameter", path);
    assert.equal(error.param, param, path);
    assert.ok(error.message.startsWith(`${param}: `), error.message);
  }
});

test("from defaults to the start of the current UTC day and to to now", async () => {
  const before = Date.now();
  const res = JSON.parse((await get("/v1/usage")).text) as { from: string; to: string; group_by: string[] };
  const today = new Date(before).toISOString().slice(0, 10);
  assert.equal(res.from, `${today}T00:00:00.000Z`);
  assert.ok(Date.parse(res.to) >= before && Date.parse(res.to) <= Date.now());
  assert.deepEqual(res.group_by, []);
});

test("answers see this process's own records at once: what is buffered is written first", async () => {
  // Started a little while ago, as a finished request has: `to` defaults to now, exclusive.
  const start = Date.now() - 50;
  for (let i = 0; i < 3; i++) ledger.record(requestRecord({ consumer: "fresh" }), start);
  const res = JSON.parse((await get("/v1/usage?group_by=consumer")).text) as {
    rows: { consumer: string; requests: number }[];
  };
  assert.deepEqual(
    res.rows.filter((r) => r.consumer === "fresh").map((r) => r.requests),
    [3],
  );
  const records = JSON.parse((await get("/v1/usage/records?consumer=fresh")).text) as { records: unknown[] };
  assert.equal(records.records.length, 3);
});

test("records show attributes at the top level and costs by key; a cursor continues its own query only", async () => {
  const t = Date.UTC(2026, 5, 1, 12);
  await store.insert([
    toLedgerRow(
      requestRecord({ consumer: "k", attributes: { "tenant.id": "acme" }, costs: { spend: 3 } }),
      t,
    ),
    toLedgerRow(requestRecord({ consumer: "k" }), t + 1),
  ]);
  const first = JSON.parse(
    (await get("/v1/usage/records?from=2026-06-01&to=2026-06-02&consumer=k&limit=1")).text,
  ) as { records: Record<string, unknown>[]; next_cursor: string };
  assert.equal(first.records.length, 1);
  assert.equal(first.records[0]!.time, "2026-06-01T12:00:00.001Z", "newest first");
  assert.ok(first.next_cursor);
  const second = JSON.parse((await get(`/v1/usage/records?cursor=${first.next_cursor}`)).text) as {
    records: Record<string, unknown>[];
    next_cursor: string | null;
  };
  assert.equal(second.records[0]!["tenant.id"], "acme");
  assert.deepEqual(second.records[0]!.costs, { spend: 3 });
  assert.deepEqual(Object.keys(second.records[0]!), [
    "id",
    "time",
    "consumer",
    "tenant.id",
    "route",
    "rule",
    "original_model",
    "request_model",
    "response_model",
    "backend",
    "attempts",
    "status",
    "stream",
    "input_tokens",
    "cached_input_tokens",
    "cache_creation_input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "total_tokens",
    "costs",
    "duration_ms",
    "ttft_ms",
    "error",
  ]);
  assert.equal(second.next_cursor, null, "the last page says so");
  const conflicting = await get(`/v1/usage/records?cursor=${first.next_cursor}&consumer=other`);
  assert.equal(conflicting.status, 400);
  assert.equal((JSON.parse(conflicting.text) as { error: { param: string } }).error.param, "consumer");
  const sameQuery = await get(`/v1/usage/records?cursor=${first.next_cursor}&from=2026-06-01T00:00:00Z`);
  assert.equal(sameQuery.status, 200, "repeating the cursor's own parameters is fine");
});

test("an unreadable ledger answers 503", async () => {
  store.down = true;
  try {
    const res = await get("/v1/usage?from=2026-06-01&to=2026-06-02");
    assert.equal(res.status, 503);
    assert.match(res.text, /cannot read the ledger: connect ECONNREFUSED/);
  } finally {
    store.down = false;
  }
});
