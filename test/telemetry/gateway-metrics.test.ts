import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { LimitRecord, RequestRecord } from "../../src/gateway/request-record.js";
import { attributeLabelNames, GatewayMetrics } from "../../src/telemetry/gateway-metrics.js";
import {
  REQUEST_DURATION_BUCKETS,
  TIME_PER_OUTPUT_TOKEN_BUCKETS,
  TIME_TO_FIRST_TOKEN_BUCKETS,
  TOKEN_USAGE_BUCKETS,
} from "../../src/telemetry/metric-buckets.js";
import { type Exposition, parsePrometheusText, samplesOf, sampleValue } from "../support/prometheus-text.js";
import { requestRecord } from "../support/request-record.js";

const usage = (input: number, output: number, more: Partial<RequestRecord["usage"]> = {}) => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: 0,
  cacheCreationInputTokens: 0,
  reasoningTokens: 0,
  totalTokens: input + output,
  ...more,
});

const BASE = {
  gen_ai_operation_name: "chat",
  gen_ai_provider_name: "openai",
  gen_ai_original_model: "gpt-x",
  gen_ai_request_model: "gpt-x",
  gen_ai_response_model: "gpt-x",
};

async function scrape(metrics: GatewayMetrics): Promise<Exposition> {
  return parsePrometheusText(await metrics.render());
}

test("bucket boundaries are upstream's, and /metrics shows exactly them", async () => {
  assert.deepEqual(
    TOKEN_USAGE_BUCKETS,
    [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  );
  assert.deepEqual(
    REQUEST_DURATION_BUCKETS,
    [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  );
  assert.deepEqual(
    TIME_TO_FIRST_TOKEN_BUCKETS,
    [
      0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 20, 30, 45,
      60,
    ],
  );
  assert.deepEqual(
    TIME_PER_OUTPUT_TOKEN_BUCKETS,
    [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5],
  );
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeRequest(requestRecord({ stream: true, timeToFirstByteMs: 5, usage: usage(3, 9) }));
  const scraped = await scrape(metrics);
  const les = (name: string) =>
    samplesOf(scraped, `${name}_bucket`, { gen_ai_token_type: name.includes("token_usage") ? "input" : "" })
      .map((s) => s.labels.le)
      .filter((le) => le !== "+Inf")
      .map(Number);
  assert.deepEqual(les("gen_ai_client_token_usage"), TOKEN_USAGE_BUCKETS);
  assert.deepEqual(les("gen_ai_server_request_duration_seconds"), REQUEST_DURATION_BUCKETS);
  assert.deepEqual(les("gen_ai_server_time_to_first_token_seconds"), TIME_TO_FIRST_TOKEN_BUCKETS);
  assert.deepEqual(les("gen_ai_server_time_per_output_token_seconds"), TIME_PER_OUTPUT_TOKEN_BUCKETS);
  assert.equal(scraped.types.get("gen_ai_client_token_usage"), "histogram");
  assert.equal(scraped.types.get("aigw_upstream_attempts_total"), "counter");
});

test("a plain request: one duration, one observation per token type with the upstream's counts", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeRequest(
    requestRecord({
      durationMs: 30,
      usage: usage(12, 5, { cachedInputTokens: 4, cacheCreationInputTokens: 2, reasoningTokens: 1 }),
      attempts: [{ backend: "default/b1", status: 200, error: undefined, durationMs: 29 }],
    }),
  );
  const m = await scrape(metrics);
  assert.equal(sampleValue(m, "gen_ai_server_request_duration_seconds_count", BASE), 1);
  assert.equal(sampleValue(m, "gen_ai_server_request_duration_seconds_sum", BASE), 0.03);
  assert.equal(sampleValue(m, "gen_ai_server_request_duration_seconds_bucket", { ...BASE, le: "0.02" }), 0);
  assert.equal(sampleValue(m, "gen_ai_server_request_duration_seconds_bucket", { ...BASE, le: "0.04" }), 1);
  const tokens = Object.fromEntries(
    ["input", "output", "cached_input", "cache_creation_input", "reasoning"].map((type) => [
      type,
      [
        sampleValue(m, "gen_ai_client_token_usage_count", { ...BASE, gen_ai_token_type: type }),
        sampleValue(m, "gen_ai_client_token_usage_sum", { ...BASE, gen_ai_token_type: type }),
      ],
    ]),
  );
  assert.deepEqual(tokens, {
    input: [1, 12],
    output: [1, 5],
    cached_input: [1, 4],
    cache_creation_input: [1, 2],
    reasoning: [1, 1],
  });
  assert.equal(samplesOf(m, "gen_ai_server_time_to_first_token_seconds_count").length, 0, "not a stream");
  assert.equal(sampleValue(m, "aigw_overhead_seconds_sum", { gen_ai_operation_name: "chat" }), 0.001);
  assert.equal(
    sampleValue(m, "aigw_upstream_attempts_total", { backend: "default/b1", outcome: "success" }),
    1,
  );
});

test("a stream: time to first token, and time per output token after it", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeRequest(
    requestRecord({ stream: true, durationMs: 600, timeToFirstByteMs: 100, usage: usage(3, 11) }),
  );
  const m = await scrape(metrics);
  assert.equal(sampleValue(m, "gen_ai_server_time_to_first_token_seconds_sum", BASE), 0.1);
  assert.equal(
    sampleValue(m, "gen_ai_server_time_to_first_token_seconds_bucket", { ...BASE, le: "0.08" }),
    0,
  );
  assert.equal(sampleValue(m, "gen_ai_server_time_to_first_token_seconds_bucket", { ...BASE, le: "0.1" }), 1);
  // (0.6 s - 0.1 s) / (11 - 1) tokens
  assert.equal(sampleValue(m, "gen_ai_server_time_per_output_token_seconds_sum", BASE), 0.05);
  assert.equal(sampleValue(m, "gen_ai_server_time_per_output_token_seconds_count", BASE), 1);
  assert.equal(
    sampleValue(m, "gen_ai_server_time_per_output_token_seconds_bucket", { ...BASE, le: "0.025" }),
    0,
  );
  assert.equal(
    sampleValue(m, "gen_ai_server_time_per_output_token_seconds_bucket", { ...BASE, le: "0.05" }),
    1,
  );
});

test("a failure that reached a backend has error_type (_OTHER, or the gateway's name) and no token usage", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeRequest(requestRecord({ status: 502, responseModel: undefined }));
  metrics.observeRequest(requestRecord({ status: 504, error: "timeout", responseModel: undefined }));
  const m = await scrape(metrics);
  const failed = { ...BASE, gen_ai_response_model: "" };
  assert.equal(
    sampleValue(m, "gen_ai_server_request_duration_seconds_count", { ...failed, error_type: "_OTHER" }),
    1,
  );
  assert.equal(
    sampleValue(m, "gen_ai_server_request_duration_seconds_count", { ...failed, error_type: "timeout" }),
    1,
  );
  assert.equal(samplesOf(m, "gen_ai_client_token_usage_count").length, 0);
});

test("unrouted requests count nowhere; a routed one that reached no backend only in aigw_overhead_seconds", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeRequest(requestRecord({ route: undefined, backend: undefined, status: 404 }));
  metrics.observeRequest(
    requestRecord({ backend: undefined, status: 429, error: "rate_limited", durationMs: 2 }),
  );
  const m = await scrape(metrics);
  assert.equal(samplesOf(m, "gen_ai_server_request_duration_seconds_count").length, 0);
  assert.equal(sampleValue(m, "aigw_overhead_seconds_count", { gen_ai_operation_name: "chat" }), 1);
  assert.equal(sampleValue(m, "aigw_overhead_seconds_sum", { gen_ai_operation_name: "chat" }), 0.002);
});

test("attempts by backend and outcome; a move to another backend is a failover by the failure", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeRequest(
    requestRecord({
      backend: "default/b2",
      attempts: [
        { backend: "default/b1", status: 500, error: undefined, durationMs: 1 },
        { backend: "default/b1", status: 0, error: "upstream_unreachable", durationMs: 1 },
        { backend: "default/b2", status: 200, error: undefined, durationMs: 1 },
      ],
    }),
  );
  const m = await scrape(metrics);
  const attempts = samplesOf(m, "aigw_upstream_attempts_total").map((s) => [
    s.labels.backend,
    s.labels.outcome,
    s.value,
  ]);
  assert.deepEqual(attempts.sort(), [
    ["default/b1", "status_500", 1],
    ["default/b1", "upstream_unreachable", 1],
    ["default/b2", "success", 1],
  ]);
  const failovers = samplesOf(m, "aigw_upstream_failovers_total").map((s) => [s.labels.reason, s.value]);
  assert.deepEqual(failovers, [["upstream_unreachable", 1]], "a retry on the same backend is no failover");
});

test("header attributes become labels, cut to 256 characters and bounded to N distinct values", async () => {
  const metrics = new GatewayMetrics({ attributeNames: ["tenant.id"], maxLabelValues: 2 });
  for (const tenant of ["a", "b", "c", "d", "a", "x".repeat(300)]) {
    metrics.observeRequest(requestRecord({ attributes: { "tenant.id": tenant } }));
  }
  metrics.observeRequest(requestRecord({ attributes: {} }));
  const m = await scrape(metrics);
  const byTenant = Object.fromEntries(
    samplesOf(m, "gen_ai_server_request_duration_seconds_count").map((s) => [
      s.labels.tenant_id ?? "(none)",
      s.value,
    ]),
  );
  assert.deepEqual(byTenant, { a: 2, b: 1, _other: 3, "(none)": 1 });

  const cut = new GatewayMetrics({ attributeNames: ["tenant.id"] });
  cut.observeRequest(requestRecord({ attributes: { "tenant.id": "y".repeat(300) } }));
  const [sample] = samplesOf(await scrape(cut), "gen_ai_server_request_duration_seconds_count");
  assert.equal(sample?.labels.tenant_id, "y".repeat(256));
});

test("the metrics' own mapping wins over the base attributes; client-chosen model names are bounded too", async () => {
  const metrics = new GatewayMetrics({ attributeNames: ["team"], maxLabelValues: 1 });
  metrics.observeRequest(
    requestRecord({
      attributes: { team: "base" },
      metricAttributes: { team: "metrics" },
      originalModel: "m1",
    }),
  );
  metrics.observeRequest(requestRecord({ originalModel: "m2" }));
  const m = await scrape(metrics);
  const seen = samplesOf(m, "gen_ai_server_request_duration_seconds_count").map((s) => [
    s.labels.team ?? "",
    s.labels.gen_ai_original_model,
  ]);
  assert.deepEqual(seen, [
    ["metrics", "m1"],
    ["", "_other"],
  ]);
});

test("an attribute whose label is taken is refused", () => {
  assert.deepEqual(attributeLabelNames(["tenant.id", "x-y"]), ["tenant_id", "x_y"]);
  assert.throws(
    () => attributeLabelNames(["error.type"]),
    /header attribute error.type would be the metric label error_type, which is taken/,
  );
  assert.throws(() => attributeLabelNames(["tenant.id", "tenant_id"]), /tenant_id, which is taken/);
  assert.throws(() => new GatewayMetrics({ attributeNames: ["gen_ai.token.type"] }), /taken/);
});

test("ledger queue and failures are read at scrape time; config info follows the serving configuration", async () => {
  let stats = { queued: 7, writeFailures: 3 };
  const metrics = new GatewayMetrics({ attributeNames: [], sources: { ledger: () => stats } });
  metrics.configApplied("aaaa", false);
  let m = await scrape(metrics);
  assert.equal(sampleValue(m, "aigw_ledger_queue_depth", {}), 7);
  assert.equal(sampleValue(m, "aigw_ledger_write_failures_total", {}), 3);
  assert.equal(sampleValue(m, "aigw_config_info", { hash: "aaaa" }), 1);
  assert.equal(samplesOf(m, "aigw_config_reloads_total").length, 0, "the first load is no reload");
  stats = { queued: 0, writeFailures: 4 };
  metrics.configApplied("bbbb", true);
  metrics.configRejected();
  m = await scrape(metrics);
  assert.equal(sampleValue(m, "aigw_ledger_queue_depth", {}), 0);
  assert.equal(sampleValue(m, "aigw_ledger_write_failures_total", {}), 4);
  assert.deepEqual(
    samplesOf(m, "aigw_config_info").map((s) => s.labels.hash),
    ["bbbb"],
  );
  assert.equal(sampleValue(m, "aigw_config_reloads_total", { result: "applied" }), 1);
  assert.equal(sampleValue(m, "aigw_config_reloads_total", { result: "rejected" }), 1);
  assert.equal(
    samplesOf(await scrape(new GatewayMetrics({ attributeNames: [] })), "aigw_ledger_queue_depth").length,
    0,
  );
});

test("label values holding any character keep their own series", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeRequest(requestRecord({ originalModel: "a\u0001b", requestModel: "c" }));
  metrics.observeRequest(requestRecord({ originalModel: "a", requestModel: "b\u0001c" }));
  metrics.observeRequest(requestRecord({ originalModel: "a", requestModel: "b\u0001c" }));
  const seen = samplesOf(await scrape(metrics), "gen_ai_server_request_duration_seconds_count").map((s) => [
    s.labels.gen_ai_original_model,
    s.labels.gen_ai_request_model,
    s.value,
  ]);
  assert.deepEqual(seen, [
    ["a\u0001b", "c", 1],
    ["a", "b\u0001c", 2],
  ]);
});

test("ejections by backend are read at scrape time", async () => {
  let counts: [string, number][] = [["default/a", 2]];
  const metrics = new GatewayMetrics({ attributeNames: [], sources: { ejections: () => counts } });
  assert.equal(
    sampleValue(await scrape(metrics), "aigw_upstream_ejections_total", { backend: "default/a" }),
    2,
  );
  counts = [
    ["default/a", 3],
    ["default/b", 1],
  ];
  const m = await scrape(metrics);
  assert.deepEqual(
    samplesOf(m, "aigw_upstream_ejections_total").map((s) => [s.labels.backend, s.value]),
    counts,
  );
  assert.equal(m.types.get("aigw_upstream_ejections_total"), "counter");
});

test("rate-limit decisions by rule and outcome, refused requests (no backend) included; unrouted and unlimited ones add none", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  const RULE = "BackendTrafficPolicy default/p rateLimit.global.rules[0]";
  const QUOTA = "QuotaPolicy default/q perModelQuotas[0].defaultBucket";
  const limit = (
    rule: string,
    outcome: LimitRecord["outcome"],
    kind: LimitRecord["kind"] = "rate_limit",
  ): LimitRecord => ({ rule, kind, bucket: "", limit: 10, used: 0, remaining: 10, outcome });
  metrics.observeRequest(
    requestRecord({ limits: [limit(RULE, "allowed"), limit(QUOTA, "allowed", "quota")] }),
  );
  metrics.observeRequest(
    requestRecord({ limits: [limit(RULE, "allowed"), limit(QUOTA, "refused", "quota")] }),
  );
  metrics.observeRequest(
    requestRecord({
      backend: undefined,
      status: 429,
      error: "rate_limited",
      limits: [limit(RULE, "refused"), limit(QUOTA, "shadow_refused", "quota")],
    }),
  );
  metrics.observeRequest(
    requestRecord({ backend: undefined, status: 200, limits: [limit(RULE, "unknown")] }),
  );
  metrics.observeRequest(
    requestRecord({ route: undefined, backend: undefined, limits: [limit(RULE, "allowed")] }),
  );
  metrics.observeRequest(requestRecord({ limits: [] }));
  metrics.observeRequest(requestRecord());
  const m = await scrape(metrics);
  assert.equal(m.types.get("aigw_rate_limit_decisions_total"), "counter");
  const decisions = samplesOf(m, "aigw_rate_limit_decisions_total").map((s) => [
    s.labels.rule,
    s.labels.outcome,
    s.value,
  ]);
  assert.deepEqual(
    decisions.sort(),
    [
      [RULE, "allowed", 2],
      [RULE, "refused", 1],
      [RULE, "unknown", 1],
      [QUOTA, "allowed", 1],
      [QUOTA, "refused", 1],
      [QUOTA, "shadow_refused", 1],
    ].sort(),
  );
});

test("endpoint picker decisions by pool, endpoint and outcome; shed requests count with no endpoint", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  const pick = (endpoint: string, reason: "scored" | "saturated") =>
    requestRecord({ inference: { pool: "default/pool", priority: 0, endpoint, reason } });
  metrics.observeRequest(pick("127.0.0.2:8000", "scored"));
  metrics.observeRequest(pick("127.0.0.2:8000", "scored"));
  metrics.observeRequest(pick("127.0.0.3:8000", "saturated"));
  metrics.observeRequest(
    requestRecord({
      backend: undefined,
      status: 429,
      error: "shed",
      inference: { pool: "default/pool", priority: -1, refused: "shed", message: "saturated" },
    }),
  );
  metrics.observeRequest(requestRecord());
  const m = await scrape(metrics);
  const rows = samplesOf(m, "aigw_inference_decisions_total")
    .map((s) => [s.labels.pool, s.labels.endpoint, s.labels.outcome, s.value])
    .sort();
  assert.deepEqual(rows, [
    ["default/pool", "", "shed", 1],
    ["default/pool", "127.0.0.2:8000", "scored", 2],
    ["default/pool", "127.0.0.3:8000", "saturated", 1],
  ]);
});

test("pool gauges: the reference picker's names per pool, and per endpoint what the picker sees", async () => {
  const endpoint = (
    address: string,
    waiting: number | undefined,
    kvCache: number | undefined,
    fresh: boolean,
  ) => ({
    address,
    pod: `default/${address}`,
    engine: "vllm" as const,
    waiting,
    running: 1,
    kvCache,
    inFlight: 2,
    sentSinceScrape: 0,
    lastScrapeAgeMs: 10,
    fresh,
    scrapeError: undefined,
    loraRunning: [],
    loraWaiting: [],
    maxLora: undefined,
    adapters: [],
    prefixBlocks: 0,
  });
  const metrics = new GatewayMetrics({
    attributeNames: [],
    sources: {
      pools: () => [
        {
          key: "default/pool",
          blockSizeTokens: 16,
          indexedBlocks: 0,
          endpoints: [
            endpoint("127.0.0.2:8000", 4, 0.5, true),
            endpoint("127.0.0.3:8000", undefined, undefined, false),
          ],
        },
      ],
    },
  });
  const m = await scrape(metrics);
  assert.equal(sampleValue(m, "inference_pool_ready_pods", { name: "default/pool" }), 2);
  // Endpoints that never reported a value do not drag the average down.
  assert.equal(sampleValue(m, "inference_pool_average_queue_size", { name: "default/pool" }), 4);
  assert.equal(sampleValue(m, "inference_pool_average_kv_cache_utilization", { name: "default/pool" }), 0.5);
  const fresh = samplesOf(m, "aigw_inference_endpoint_metrics_fresh").map((s) => [
    s.labels.endpoint,
    s.value,
  ]);
  assert.deepEqual(fresh.sort(), [
    ["127.0.0.2:8000", 1],
    ["127.0.0.3:8000", 0],
  ]);
  assert.equal(samplesOf(m, "aigw_inference_endpoint_waiting_requests").length, 1);
  assert.equal(
    sampleValue(m, "aigw_inference_endpoint_in_flight_requests", {
      pool: "default/pool",
      endpoint: "127.0.0.3:8000",
    }),
    2,
  );
});
