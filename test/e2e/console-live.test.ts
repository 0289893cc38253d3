import * as assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import OpenAI from "openai";
import { loadSnapshot } from "../../src/config/load-snapshot.js";
import { aiServiceBackendsOf } from "../../src/config/snapshot-backends.js";
import { BackendStats } from "../../src/console/backend-stats.js";
import { backendsHandler } from "../../src/console/backends-handler.js";
import type { ConsoleHandler } from "../../src/console/console-handler.js";
import { OverheadSeries } from "../../src/console/overhead-series.js";
import { RecentRequests } from "../../src/console/recent-requests.js";
import { requestsHandler } from "../../src/console/requests-handler.js";
import { handleRequest } from "../../src/gateway/handle-request.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";
import { InferencePools } from "../../src/inference/inference-pools.js";
import { BackendHealthRegistry } from "../../src/upstream/backend-health.js";
import { DispatcherCache } from "../../src/upstream/dispatcher-cache.js";
import { uuidV7 } from "../../src/util/uuid-v7.js";
import { fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { backendTrafficPolicyDoc, closedPort } from "../support/fault-handlers.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { startTestGateway } from "../support/start-test-gateway.js";

/**
 * The console's live views over a real gateway: a primary that refuses connections, a fallback in
 * the next tier, and outlier detection that ejects the primary after two failures. Every finished
 * request feeds RecentRequests, BackendStats and OverheadSeries as start-gateway's report() does;
 * the handlers' answers must tell what happened.
 */

const MODEL = "gpt-live";

/** The part of a backends answer's row this test reads. */
interface BackendRow {
  backend: string;
  requests: number;
  errors: number;
  error_rate: number;
  failovers: number;
  ejections: number;
  ejected_for_seconds: number;
  health: string;
  latency_ms: { p50: number | null };
  ttft_ms: { p50: number | null };
  last_ejection: { time: string; reason: string } | null;
  since_start: { requests: number; ejections: number };
}
const MINUTE_MS = 60_000;

async function fallbackUpstream(t: TestContext): Promise<RecordingUpstream> {
  const u = await startRecordingUpstream(fakeOpenAIHandler);
  t.after(() => u.close());
  return u;
}

async function configText(fallback: RecordingUpstream): Promise<string> {
  return configYaml(
    gatewayDocs(),
    openAIBackendDocs("primary", `http://127.0.0.1:${await closedPort()}`),
    openAIBackendDocs("fallback", fallback.url),
    openAIBackendDocs("unused-tier", fallback.url),
    routeDoc("r", {
      rules: [
        {
          matches: [modelIs(MODEL)],
          backendRefs: [
            { name: "primary", priority: 0 },
            { name: "fallback", priority: 1 },
            // Never reached: the fallback answers. Listed without traffic all the same.
            { name: "unused-tier", priority: 2 },
          ],
        },
      ],
    }),
    backendTrafficPolicyDoc("eject", "r", {
      healthCheck: { passive: { consecutive5XxErrors: 2, baseEjectionTime: "30s", interval: "1s" } },
    }),
  );
}

/** What report() feeds, fed the same way: each finished record once, with the time it finished. */
function consoleFeeds() {
  const recent = new RecentRequests();
  const stats = new BackendStats();
  const overhead = new OverheadSeries();
  return {
    recent,
    stats,
    overhead,
    report(record: RequestRecord): void {
      const endEpochMs = Date.now();
      recent.add(record, endEpochMs);
      stats.observe(record);
      overhead.observe(record, endEpochMs);
    },
  };
}

/**
 * Three chat requests and one stream: the first two fail over from the refused primary (and eject
 * it), the last two go to the fallback alone.
 */
async function sendTraffic(url: string, count: () => number, waitFor: (n: number) => Promise<void>) {
  const openai = new OpenAI({ apiKey: "sk-client", baseURL: `${url}/v1`, maxRetries: 0, timeout: 20_000 });
  const before = count();
  for (let i = 0; i < 3; i++) {
    const answer = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.ok(answer.choices[0]?.message.content);
  }
  const stream = await openai.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
  });
  for await (const _ of stream) {
    // Read to the end: the record is reported when the stream is over.
  }
  await waitFor(before + 4);
}

async function ask(handler: ConsoleHandler, query = "", subpath = "") {
  const answer = await handler({ query: new URLSearchParams(query), subpath, nowMs: Date.now() });
  return { status: answer.status, json: JSON.parse(answer.body) };
}

/** What the traffic must show in the requests and backends answers, the health-independent part. */
async function assertRequestNumbers(feeds: ReturnType<typeof consoleFeeds>, backends: ConsoleHandler) {
  const list = await ask(requestsHandler(feeds.recent));
  assert.equal(list.json.records.length, 4);
  assert.equal(list.json.last_seq, 4);
  const [streamed, , , first] = list.json.records;
  assert.equal(first.backend, "default/fallback");
  assert.equal(first.status, 200);
  assert.equal(typeof streamed.ttft_ms, "number");
  const detail = await ask(requestsHandler(feeds.recent), "", first.id);
  assert.deepEqual(
    detail.json.attempts.map((a: { backend: string; status: number; error: string | null }) => [
      a.backend,
      a.status,
      a.error,
    ]),
    [
      ["default/primary", 0, "upstream_unreachable"],
      ["default/fallback", 200, null],
    ],
  );
  assert.equal(detail.json.route, "default/r");
  assert.ok(detail.json.usage.total_tokens > 0);
  assert.equal((await ask(requestsHandler(feeds.recent), "after=3")).json.records.length, 1);
  assert.equal((await ask(requestsHandler(feeds.recent), "q=unreachable")).json.records.length, 0);

  const answer = await ask(backends);
  assert.equal(answer.status, 200);
  const rows = answer.json.backends as BackendRow[];
  const byName = new Map(rows.map((b) => [b.backend, b]));
  assert.deepEqual([...byName.keys()], ["default/primary", "default/fallback", "default/unused-tier"]);
  const primary = byName.get("default/primary")!;
  assert.deepEqual(
    [primary.requests, primary.errors, primary.error_rate, primary.failovers],
    [2, 2, 1, 2],
    "two refused attempts, each followed by the fallback",
  );
  assert.deepEqual(primary.since_start.requests, 2);
  const fallback = byName.get("default/fallback")!;
  assert.deepEqual([fallback.requests, fallback.errors, fallback.failovers], [4, 0, 0]);
  assert.equal(typeof fallback.latency_ms.p50, "number");
  assert.equal(typeof fallback.ttft_ms.p50, "number", "the stream's first byte");
  const unused = byName.get("default/unused-tier")!;
  assert.deepEqual([unused.requests, unused.latency_ms.p50, unused.health], [0, null, "healthy"]);

  // Every request was routed: the minute it started in has an overhead.
  const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const series = feeds.overhead.series(minute - MINUTE_MS, minute + MINUTE_MS, MINUTE_MS);
  const p50 = series.p50_ms.filter((v) => v !== null);
  assert.equal(p50.length >= 1, true);
  assert.ok(
    p50.every((v) => v >= 0 && v < 1000),
    `overheads ${p50}`,
  );
  return primary;
}

test("a started gateway's records: attempts, failures and failovers per backend, the request list and overheads", async (t) => {
  const fallback = await fallbackUpstream(t);
  const feeds = consoleFeeds();
  const text = await configText(fallback);
  const gateway = await startTestGateway(text, { onRequest: feeds.report });
  t.after(() => gateway.close());
  // The same configuration's backends, as the gateway's served snapshot lists them.
  const snapshot = await loadSnapshot(
    { text, origin: "<test>" },
    { env: {}, generation: 1, dispatchers: new DispatcherCache(), defaultCreatedAt: 0, warn: () => {} },
  );
  await sendTraffic(
    gateway.url,
    () => gateway.records.length,
    async (n) => {
      await gateway.waitForRecords(n);
    },
  );
  assert.equal(fallback.requests.length, 4);
  // The gateway keeps its health registry to itself (until the console is wired in): an empty one
  // here, so this test checks only what the records tell.
  await assertRequestNumbers(
    feeds,
    backendsHandler({
      backends: () => aiServiceBackendsOf(snapshot),
      stats: feeds.stats,
      health: new BackendHealthRegistry(),
      pools: () => [],
    }),
  );
});

test("health from the request path's own registry: the refused primary is ejected, with why and when", async (t) => {
  const fallback = await fallbackUpstream(t);
  const feeds = consoleFeeds();
  // The data plane as startGateway composes it: snapshot, health registry, picker, handleRequest.
  const dispatchers = new DispatcherCache();
  t.after(() => dispatchers.closeAll());
  const snapshot = await loadSnapshot(
    { text: await configText(fallback), origin: "<test>" },
    { env: {}, generation: 1, dispatchers, defaultCreatedAt: 0, warn: () => {} },
  );
  const health = new BackendHealthRegistry();
  const picker = new InferencePools({ log: () => {} });
  t.after(() => picker.close());
  let reported = 0;
  const context = {
    report: (record: RequestRecord) => {
      reported += 1;
      feeds.report(record);
    },
    health,
    log: () => {},
    headerAttributes: [],
    picker,
  };
  const server = createServer((req, res) => {
    void handleRequest(req, res, snapshot, context, uuidV7(Date.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const startedAt = Date.now();
  await sendTraffic(
    url,
    () => reported,
    async (n) => {
      for (let i = 0; i < 200 && reported < n; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(reported, n);
    },
  );
  const backends = backendsHandler({
    backends: () => aiServiceBackendsOf(snapshot),
    stats: feeds.stats,
    health,
    pools: () => picker.snapshot(),
  });
  const primary = await assertRequestNumbers(feeds, backends);
  assert.equal(primary.health, "ejected");
  assert.ok(
    primary.ejected_for_seconds > 25 && primary.ejected_for_seconds <= 30,
    `${primary.ejected_for_seconds}`,
  );
  assert.equal(primary.ejections, 1);
  assert.equal(primary.since_start.ejections, 1);
  const last = primary.last_ejection;
  assert.equal(last?.reason, "2 consecutive connection failures (refused, reset or timed out)");
  const ejectedAt = Date.parse(last?.time ?? "");
  assert.ok(ejectedAt >= startedAt - 5 && ejectedAt <= Date.now() + 5, last?.time);
  const fallbackRow = (await ask(backends)).json.backends[1];
  assert.equal(fallbackRow.health, "healthy");
});
