import * as assert from "node:assert/strict";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { context, type HrTime, SpanKind, SpanStatusCode, trace, ValueType } from "@opentelemetry/api";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import { SimpleSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";

// The receiver's decoder is only worth trusting if it reads what the real OTel JS exporters send, so each
// test drives a real exporter in each encoding and checks the decoded result field by field.

type Compression = NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>["compression"];
const GZIP = "gzip" as Compression;

const TRACE_EXPORTERS: [string, (url: string) => SpanExporter][] = [
  ["application/x-protobuf", (url) => new ProtoTraceExporter({ url })],
  ["application/json", (url) => new JsonTraceExporter({ url })],
];

// A start time past 2^53 ns with non-zero low digits, so a decoder that goes through a double would show.
const START: HrTime = [1_700_000_000, 123_456_789];
const END: HrTime = [1_700_000_001, 987_654_321];

async function exportTwoSpans(exporter: SpanExporter) {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "otlp-receiver-test" }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer("otlp-receiver-scope", "1.2.3");
  const parent = tracer.startSpan("gateway request", { kind: SpanKind.SERVER });
  const child = tracer.startSpan(
    "chat gpt-x",
    {
      kind: SpanKind.CLIENT,
      startTime: START,
      attributes: {
        "gen_ai.provider.name": "openai",
        "http.response.status_code": 503,
        "gen_ai.request.temperature": 0.25,
        "aigw.retryable": true,
        "gen_ai.response.finish_reasons": ["stop", "length"],
      },
    },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent("retry", { attempt: 2 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: "upstream 503" });
  child.end(END);
  parent.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { parent: parent.spanContext(), child: child.spanContext() };
}

for (const [contentType, makeExporter] of TRACE_EXPORTERS) {
  test(`spans exported as ${contentType} decode field by field`, async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const ids = await exportTwoSpans(makeExporter(`${receiver.url}/v1/traces`));

    const spans = await receiver.waitForSpans(2);
    assert.equal(spans.length, 2);
    assert.ok(receiver.requests.length > 0);
    for (const request of receiver.requests) {
      assert.deepEqual(request, { path: "/v1/traces", contentType, contentEncoding: undefined });
    }
    const child = spans.find((s) => s.name === "chat gpt-x")!;
    const parent = spans.find((s) => s.name === "gateway request")!;

    assert.equal(child.traceId, ids.child.traceId);
    assert.match(child.traceId, /^[0-9a-f]{32}$/);
    assert.equal(child.spanId, ids.child.spanId);
    assert.match(child.spanId, /^[0-9a-f]{16}$/);
    assert.equal(child.parentSpanId, ids.parent.spanId);
    assert.equal(child.kind, 3);
    assert.equal(child.startTimeUnixNano, 1_700_000_000_123_456_789n);
    assert.equal(child.endTimeUnixNano, 1_700_000_001_987_654_321n);
    assert.deepEqual(child.attributes, {
      "gen_ai.provider.name": "openai",
      "http.response.status_code": 503,
      "gen_ai.request.temperature": 0.25,
      "aigw.retryable": true,
      "gen_ai.response.finish_reasons": ["stop", "length"],
    });
    assert.deepEqual(child.status, { code: 2, message: "upstream 503" });
    assert.deepEqual(child.events, [{ name: "retry", attributes: { attempt: 2 } }]);
    assert.equal(child.resource["service.name"], "otlp-receiver-test");
    assert.equal(child.scope, "otlp-receiver-scope");

    assert.equal(parent.traceId, ids.parent.traceId);
    assert.equal(parent.traceId, child.traceId);
    assert.equal(parent.spanId, ids.parent.spanId);
    assert.equal(parent.parentSpanId, undefined);
    assert.equal(parent.kind, 2);
    assert.deepEqual(parent.status, { code: 0 });
    assert.deepEqual(parent.attributes, {});
    assert.deepEqual(parent.events, []);
    assert.ok(parent.endTimeUnixNano >= parent.startTimeUnixNano && parent.startTimeUnixNano > 0n);
  });
}

test("gzip-compressed exports decode the same, and the encoding is recorded", async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const ids = await exportTwoSpans(
    new ProtoTraceExporter({ url: `${receiver.url}/v1/traces`, compression: GZIP }),
  );
  const spans: ReceivedSpan[] = await receiver.waitForSpans(2);
  assert.deepEqual(spans.map((s) => s.spanId).sort(), [ids.child.spanId, ids.parent.spanId].sort());
  assert.ok(receiver.requests.every((r) => r.contentEncoding === "gzip"));
});

const METRIC_EXPORTERS: [string, (url: string) => PushMetricExporter][] = [
  ["application/x-protobuf", (url) => new ProtoMetricExporter({ url })],
  ["application/json", (url) => new JsonMetricExporter({ url })],
];

for (const [contentType, makeExporter] of METRIC_EXPORTERS) {
  test(`metrics exported as ${contentType} decode field by field`, async (t) => {
    const receiver = await startOtlpReceiver();
    // An hour-long interval: only forceFlush exports, so there is exactly one export to look at.
    const reader = new PeriodicExportingMetricReader({
      exporter: makeExporter(`${receiver.url}/v1/metrics`),
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": "otlp-receiver-test" }),
      readers: [reader],
    });
    // Shut down (which exports once more) while the receiver still listens, or the exporter retries for seconds.
    t.after(async () => {
      await provider.shutdown();
      await receiver.close();
    });
    const meter = provider.getMeter("otlp-receiver-meter");
    // INT goes out as sfixed64 as_int, the others as double as_double.
    const counter = meter.createCounter("aigw.test.requests", {
      unit: "{request}",
      description: "requests seen",
      valueType: ValueType.INT,
    });
    counter.add(2, { route: "a" });
    counter.add(3, { route: "a" });
    counter.add(1, { route: "b" });
    const histogram = meter.createHistogram("aigw.test.latency", {
      unit: "s",
      advice: { explicitBucketBoundaries: [0.1, 1, 10] },
    });
    for (const v of [0.0625, 0.5, 0.75, 20]) histogram.record(v, { route: "a" });
    const gauge = meter.createGauge("aigw.test.utilization", { unit: "1" });
    gauge.record(0.5, { pool: "x" });
    gauge.record(0.625, { pool: "x" });
    await provider.forceFlush();

    await receiver.waitForMetric("aigw.test.utilization");
    assert.deepEqual(receiver.requests, [{ path: "/v1/metrics", contentType, contentEncoding: undefined }]);
    assert.deepEqual(receiver.metrics.map((m) => m.name).sort(), [
      "aigw.test.latency",
      "aigw.test.requests",
      "aigw.test.utilization",
    ]);
    const byName = (name: string) => receiver.metrics.find((m) => m.name === name)!;

    const requests = byName("aigw.test.requests");
    assert.equal(requests.kind, "sum");
    assert.equal(requests.unit, "{request}");
    assert.equal(requests.description, "requests seen");
    assert.equal(requests.isMonotonic, true);
    assert.equal(requests.temporality, 2); // CUMULATIVE, the exporters' default
    assert.equal(requests.resource["service.name"], "otlp-receiver-test");
    assert.equal(requests.scope, "otlp-receiver-meter");
    const byRoute = [...requests.points].sort((a, b) =>
      String(a.attributes.route).localeCompare(String(b.attributes.route)),
    );
    assert.deepEqual(byRoute, [
      { attributes: { route: "a" }, value: 5 },
      { attributes: { route: "b" }, value: 1 },
    ]);

    const latency = byName("aigw.test.latency");
    assert.equal(latency.kind, "histogram");
    assert.equal(latency.unit, "s");
    assert.equal(latency.temporality, 2);
    assert.equal(latency.isMonotonic, undefined);
    assert.deepEqual(latency.points, [
      {
        attributes: { route: "a" },
        count: 4,
        sum: 21.3125,
        bucketCounts: [1, 2, 0, 1],
        explicitBounds: [0.1, 1, 10],
        min: 0.0625,
        max: 20,
      },
    ]);

    const utilization = byName("aigw.test.utilization");
    assert.equal(utilization.kind, "gauge");
    assert.equal(utilization.unit, "1");
    assert.equal(utilization.temporality, undefined);
    assert.deepEqual(utilization.points, [{ attributes: { pool: "x" }, value: 0.625 }]);
  });
}

test("unparseable bodies get a 400 and are not recorded; good ones get an empty answer", async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const post = (path: string, contentType: string, body: Uint8Array | string, headers = {}) =>
    fetch(`${receiver.url}${path}`, {
      method: "POST",
      headers: { "content-type": contentType, ...headers },
      body,
    });

  const bad: [string, string, Uint8Array | string, Record<string, string>?][] = [
    ["/v1/traces", "application/x-protobuf", "not protobuf at all"],
    ["/v1/metrics", "application/x-protobuf", new Uint8Array([0x0a, 0x7f, 0x01])], // length runs past the end
    ["/v1/traces", "application/json", "{nope"],
    ["/v1/metrics", "application/json", '{"resourceMetrics": 5}'],
    // Base64 ids are a classic JSON-encoding bug; OTLP JSON wants hex.
    [
      "/v1/traces",
      "application/json",
      JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: "AAECAwQFBgcICQoLDA0ODw==", spanId: "AAECAwQFBgc=" }] }] },
        ],
      }),
    ],
    ["/v1/traces", "application/json", "{}", { "content-encoding": "gzip" }], // claims gzip, is not
  ];
  for (const [path, contentType, body, headers] of bad) {
    const res = await post(path, contentType, body, headers);
    assert.equal(res.status, 400, `${path} ${contentType} ${String(body)}`);
    assert.equal(res.headers.get("content-type"), contentType);
    await res.arrayBuffer();
  }
  assert.equal(receiver.rejected.length, bad.length);
  assert.deepEqual(receiver.requests, []);
  assert.deepEqual(receiver.spans, []);
  assert.deepEqual(receiver.metrics, []);

  const proto = await post("/v1/traces", "application/x-protobuf", new Uint8Array(0));
  assert.equal(proto.status, 200);
  assert.equal(proto.headers.get("content-type"), "application/x-protobuf");
  assert.equal((await proto.arrayBuffer()).byteLength, 0);
  const json = await post("/v1/metrics", "application/json; charset=utf-8", gzipSync("{}"), {
    "content-encoding": "gzip",
  });
  assert.equal(json.status, 200);
  assert.equal(json.headers.get("content-type"), "application/json");
  assert.equal(await json.text(), "{}");
  assert.deepEqual(receiver.requests, [
    { path: "/v1/traces", contentType: "application/x-protobuf", contentEncoding: undefined },
    { path: "/v1/metrics", contentType: "application/json", contentEncoding: "gzip" },
  ]);

  assert.equal((await post("/v1/logs", "application/json", "{}")).status, 404);
  assert.equal((await post("/v1/traces", "text/plain", "{}")).status, 415);
  receiver.reset();
  assert.deepEqual(receiver.requests, []);
  await assert.rejects(receiver.waitForSpans(1, 50), /waited 50ms/);
});
