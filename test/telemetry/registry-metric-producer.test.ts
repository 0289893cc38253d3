import * as assert from "node:assert/strict";
import { test } from "node:test";
import { DataPointType, type HistogramMetricData, type SumMetricData } from "@opentelemetry/sdk-metrics";
import { Counter, Histogram, Registry } from "prom-client";
import { RegistryMetricProducer } from "../../src/telemetry/registry-metric-producer.js";

test("a Prometheus registry's series become OTLP points: per-bucket counts, OpenTelemetry names and attributes", async () => {
  const registry = new Registry();
  const duration = new Histogram({
    name: "gen_ai_server_request_duration_seconds",
    help: "d",
    labelNames: ["gen_ai_operation_name", "tenant_id"],
    buckets: [0.1, 1, 10],
    registers: [registry],
  });
  for (const v of [0.05, 0.5, 0.7, 5, 50])
    duration.observe({ gen_ai_operation_name: "chat", tenant_id: "a" }, v);
  duration.observe({ gen_ai_operation_name: "embeddings", tenant_id: "b" }, 0.2);
  const attempts = new Counter({
    name: "aigw_upstream_attempts_total",
    help: "a",
    labelNames: ["backend", "outcome"],
    registers: [registry],
  });
  attempts.inc({ backend: "default/x", outcome: "success" }, 3);

  const { resourceMetrics } = await new RegistryMetricProducer(
    registry,
    new Map([["tenant_id", "tenant.id"]]),
  ).collect();
  const metrics = resourceMetrics.scopeMetrics[0]!.metrics;
  const h = metrics.find(
    (m) => m.descriptor.name === "gen_ai.server.request.duration",
  ) as HistogramMetricData;
  assert.equal(h.dataPointType, DataPointType.HISTOGRAM);
  assert.equal(h.descriptor.unit, "s");
  const chat = h.dataPoints.find((p) => p.attributes["gen_ai.operation.name"] === "chat")!;
  assert.deepEqual(chat.attributes, { "gen_ai.operation.name": "chat", "tenant.id": "a" });
  assert.deepEqual(chat.value.buckets, { boundaries: [0.1, 1, 10], counts: [1, 2, 1, 1] });
  assert.equal(chat.value.count, 5);
  assert.ok(Math.abs((chat.value.sum ?? 0) - 56.25) < 1e-9);
  const embeddings = h.dataPoints.find((p) => p.attributes["gen_ai.operation.name"] === "embeddings")!;
  assert.deepEqual(embeddings.value.buckets.counts, [0, 1, 0, 0]);

  const c = metrics.find((m) => m.descriptor.name === "aigw_upstream_attempts") as SumMetricData;
  assert.equal(c.isMonotonic, true);
  assert.deepEqual(
    c.dataPoints.map((p) => [p.attributes, p.value]),
    [[{ backend: "default/x", outcome: "success" }, 3]],
  );
});
