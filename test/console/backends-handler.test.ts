import assert from "node:assert/strict";
import { test } from "node:test";
import { BackendStats } from "../../src/console/backend-stats.js";
import { backendsHandler } from "../../src/console/backends-handler.js";
import type { EndpointSnapshot, PoolSnapshot } from "../../src/inference/inference-pools.js";
import { BackendHealthRegistry } from "../../src/upstream/backend-health.js";
import { DEFAULT_TRAFFIC_POLICY } from "../../src/upstream/traffic-policy.js";
import { requestRecord } from "../support/request-record.js";

const T0 = Date.UTC(2026, 11, 2, 10);
/** The monotonic clock's reading at T0. */
const MONO = 1_000_000;
const passive = {
  ...DEFAULT_TRAFFIC_POLICY.passive,
  consecutive5xxErrors: 2,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
};

function endpoint(address: string, overrides: Partial<EndpointSnapshot> = {}): EndpointSnapshot {
  return {
    address,
    pod: `default/pod-${address}`,
    engine: "vllm",
    waiting: 2,
    running: 1,
    kvCache: 0.4,
    inFlight: 1,
    sentSinceScrape: 0,
    lastScrapeAgeMs: 40.4,
    fresh: true,
    scrapeError: undefined,
    loraRunning: [],
    loraWaiting: [],
    maxLora: undefined,
    adapters: [],
    prefixBlocks: 0,
    ...overrides,
  };
}

function answer(deps: {
  backends: string[];
  stats: BackendStats;
  health: BackendHealthRegistry;
  pools?: PoolSnapshot[];
  query?: string;
}) {
  const handler = backendsHandler({
    backends: () => deps.backends,
    stats: deps.stats,
    health: deps.health,
    pools: () => deps.pools ?? [],
    monotonicNow: () => MONO,
  });
  const a = handler({ query: new URLSearchParams(deps.query ?? ""), subpath: "", nowMs: T0 }) as {
    status: number;
    body: string;
  };
  return { status: a.status, json: JSON.parse(a.body) };
}

test("every configured backend, also without traffic, with its window, since-start counts and health", () => {
  const stats = new BackendStats(() => T0);
  const health = new BackendHealthRegistry();
  stats.observe(
    requestRecord({
      attempts: [
        { backend: "default/a", status: 500, error: undefined, durationMs: 200 },
        { backend: "default/b", status: 200, error: undefined, durationMs: 100 },
      ],
    }),
  );
  // `a` ejected 10 s ago for 30 s; `p` paused by a Retry-After; `u` down by its active check.
  const a = health.get("default/a");
  a.record("5xx", passive, MONO - 10_000, true);
  a.record("5xx", passive, MONO - 10_000, true);
  health.get("default/p").pauseUntil(MONO + 5_000);
  health.get("default/u").activelyHealthy = false;
  const { status, json } = answer({
    backends: ["default/a", "default/b", "default/idle", "default/p", "default/u"],
    stats,
    health,
  });
  assert.equal(status, 200);
  assert.equal(json.window_seconds, 300);
  assert.deepEqual(json.backends[0], {
    backend: "default/a",
    requests: 1,
    errors: 1,
    error_rate: 1,
    latency_ms: { p50: 200, p99: 200 },
    ttft_ms: { p50: null, p99: null },
    failovers: 1,
    ejections: 1,
    last_ejection: { time: "2026-12-02T09:59:50.000Z", reason: "2 consecutive 5xx" },
    health: "ejected",
    ejected_for_seconds: 20,
    since_start: { requests: 1, errors: 1, failovers: 1, ejections: 1 },
  });
  assert.deepEqual(
    json.backends.map((b: { backend: string; health: string }) => [b.backend, b.health]),
    [
      ["default/a", "ejected"],
      ["default/b", "healthy"],
      ["default/idle", "healthy"],
      ["default/p", "paused"],
      ["default/u", "unhealthy"],
    ],
  );
  const idle = json.backends[2];
  assert.deepEqual(
    [idle.requests, idle.error_rate, idle.latency_ms.p50, idle.last_ejection],
    [0, 0, null, null],
  );
  assert.equal(health.find("default/idle"), undefined, "reading created no health state");
  assert.deepEqual(json.pools, []);
});

test("an ejection older than the window counts since the start only", () => {
  const health = new BackendHealthRegistry();
  const a = health.get("default/a");
  a.record("5xx", passive, MONO - 400_000, true);
  a.record("5xx", passive, MONO - 400_000, true);
  const { json } = answer({ backends: ["default/a"], stats: new BackendStats(() => T0), health });
  assert.equal(json.backends[0].ejections, 0);
  assert.equal(json.backends[0].since_start.ejections, 1);
  assert.equal(json.backends[0].health, "healthy");
});

test("pools: each endpoint's attempts (as the backend `pool@address`), the picker's metrics and health", () => {
  const stats = new BackendStats(() => T0);
  const health = new BackendHealthRegistry();
  stats.observe(
    requestRecord({
      stream: true,
      timeToFirstByteMs: 80,
      attempts: [
        { backend: "default/vllm@10.0.0.5:8000", status: 503, error: undefined, durationMs: 5 },
        { backend: "default/vllm@10.0.0.6:8000", status: 200, error: undefined, durationMs: 300 },
      ],
    }),
  );
  const e5 = health.get("default/vllm@10.0.0.5:8000");
  e5.record("gateway-error", passive, MONO, true);
  e5.record("gateway-error", passive, MONO, true);
  const pools: PoolSnapshot[] = [
    {
      key: "default/vllm",
      blockSizeTokens: 16,
      indexedBlocks: 0,
      endpoints: [
        endpoint("10.0.0.5:8000"),
        endpoint("10.0.0.6:8000", { waiting: undefined, kvCache: undefined, lastScrapeAgeMs: undefined }),
      ],
    },
  ];
  const { json } = answer({ backends: [], stats, health, pools });
  assert.deepEqual(json.pools, [
    {
      pool: "default/vllm",
      endpoints: [
        {
          endpoint: "10.0.0.5:8000",
          ready: true,
          requests: 1,
          errors: 1,
          error_rate: 1,
          latency_ms: { p50: 5, p99: 5 },
          ttft_ms: { p50: null, p99: null },
          queue: 2,
          kv_cache: 0.4,
          in_flight: 1,
          metrics_age_ms: 40,
          scrape_error: null,
          health: "ejected",
        },
        {
          endpoint: "10.0.0.6:8000",
          ready: true,
          requests: 1,
          errors: 0,
          error_rate: 0,
          latency_ms: { p50: 300, p99: 300 },
          // 80 ms from the request's start, less the 5 ms of the attempt before it.
          ttft_ms: { p50: 75, p99: 75 },
          queue: null,
          kv_cache: null,
          in_flight: 1,
          metrics_age_ms: null,
          scrape_error: null,
          health: "healthy",
        },
      ],
    },
  ]);
});

test("the endpoint takes no parameter", () => {
  const { status, json } = answer({
    backends: [],
    stats: new BackendStats(),
    health: new BackendHealthRegistry(),
    query: "window=60",
  });
  assert.equal(status, 400);
  assert.equal(json.error.param, "window");
});
