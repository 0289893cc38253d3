import assert from "node:assert/strict";
import { test } from "node:test";
import type { HistogramMetricData, SumMetricData } from "@opentelemetry/sdk-metrics";
import { GatewayMetrics } from "../../src/telemetry/gateway-metrics.js";
import { RegistryMetricProducer } from "../../src/telemetry/registry-metric-producer.js";
import { mcpRequestRecord } from "../support/mcp-request-record.js";
import { parsePrometheusText, type Sample } from "../support/prometheus-text.js";

async function samples(
  metrics: GatewayMetrics,
): Promise<{ samples: readonly Sample[]; types: ReadonlyMap<string, string> }> {
  return parsePrometheusText(await metrics.render());
}

function value(all: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  return all.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

test("no MCP metric exists before the first MCP request", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  assert.doesNotMatch(await metrics.render(), /mcp_/);
});

test("upstream's MCP metrics under Prometheus names: duration by error type with its buckets, method count by method and status", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeMcpRequest(mcpRequestRecord({ durationMs: 30 }));
  metrics.observeMcpRequest(mcpRequestRecord({ durationMs: 300 }));
  metrics.observeMcpRequest(mcpRequestRecord({ method: "tools/list", tool: undefined, durationMs: 3 }));
  metrics.observeMcpRequest(mcpRequestRecord({ status: 403, error: "forbidden", durationMs: 1 }));
  metrics.observeMcpRequest(mcpRequestRecord({ method: "initialize", tool: undefined, durationMs: 40 }));
  const { samples: all, types } = await samples(metrics);
  assert.equal(types.get("mcp_request_duration_seconds"), "histogram");
  assert.equal(types.get("mcp_method_count_total"), "counter");
  assert.equal(types.get("mcp_initialization_duration_seconds"), "histogram");
  // Upstream's buckets, exactly.
  const bounds = all
    .filter((s) => s.name === "mcp_request_duration_seconds_bucket" && s.labels.error_type === undefined)
    .map((s) => s.labels.le);
  assert.deepEqual(bounds, [
    "0.005",
    "0.01",
    "0.025",
    "0.05",
    "0.1",
    "0.25",
    "0.5",
    "1",
    "2.5",
    "5",
    "10",
    "+Inf",
  ]);
  assert.equal(value(all, "mcp_request_duration_seconds_count", {}), 4);
  assert.equal(value(all, "mcp_request_duration_seconds_bucket", { le: "0.05" }), 3);
  assert.ok(Math.abs(value(all, "mcp_request_duration_seconds_sum", {})! - 0.373) < 1e-9);
  assert.equal(value(all, "mcp_request_duration_seconds_count", { error_type: "forbidden" }), 1);
  assert.equal(value(all, "mcp_method_count_total", { mcp_method_name: "tools/call", status: "success" }), 2);
  assert.equal(value(all, "mcp_method_count_total", { mcp_method_name: "tools/list", status: "success" }), 1);
  assert.equal(value(all, "mcp_method_count_total", { mcp_method_name: "tools/call", status: "error" }), 1);
  assert.equal(value(all, "mcp_method_count_total", { mcp_method_name: "initialize", status: "success" }), 1);
  assert.equal(value(all, "mcp_initialization_duration_seconds_count", {}), 1);
  assert.equal(value(all, "mcp_initialization_duration_seconds_sum", {}), 0.04);
});

test("a GET stream is counted as a failure only, never in the duration; unknown methods are _other; a failed request without a method is an error", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeMcpRequest(mcpRequestRecord({ httpMethod: "GET", method: undefined, durationMs: 600_000 }));
  for (let i = 0; i < 50; i++) metrics.observeMcpRequest(mcpRequestRecord({ method: `made/up/${i}` }));
  metrics.observeMcpRequest(mcpRequestRecord({ method: undefined, status: 400, error: "invalid_json_rpc" }));
  const { samples: all } = await samples(metrics);
  assert.equal(value(all, "mcp_request_duration_seconds_count", {}), 50, "the GET is not a duration");
  assert.equal(value(all, "mcp_method_count_total", { mcp_method_name: "_other", status: "success" }), 50);
  assert.equal(all.filter((s) => s.name === "mcp_method_count_total").length, 2, "two series, not 51");
  assert.equal(value(all, "mcp_method_count_total", { status: "error" }), 1);
});

test("over OTLP they carry upstream's OpenTelemetry names and attribute names", async () => {
  const metrics = new GatewayMetrics({ attributeNames: [] });
  metrics.observeMcpRequest(mcpRequestRecord({ status: 502, error: "backend_unreachable" }));
  const { resourceMetrics } = await new RegistryMetricProducer(metrics.registry, new Map()).collect();
  const all = resourceMetrics.scopeMetrics[0]!.metrics;
  const duration = all.find((m) => m.descriptor.name === "mcp.request.duration") as HistogramMetricData;
  assert.equal(duration.descriptor.unit, "s");
  assert.deepEqual(duration.dataPoints[0]?.attributes, { "error.type": "backend_unreachable" });
  const count = all.find((m) => m.descriptor.name === "mcp.method.count") as SumMetricData;
  assert.deepEqual(count.dataPoints[0]?.attributes, { "mcp.method.name": "tools/call", status: "error" });
});
