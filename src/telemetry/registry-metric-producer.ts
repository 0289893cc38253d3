import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import { millisToHrTime } from "@opentelemetry/core";
import { emptyResource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type MetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from "prom-client";

/**
 * The GenAI and MCP metrics under their OpenTelemetry names and units: what Envoy AI Gateway exports over
 * OTLP, and what an OpenTelemetry Prometheus exporter turns back into the names /metrics serves.
 */
const OTEL_NAMES: Readonly<Record<string, { readonly name: string; readonly unit: string }>> = {
  gen_ai_client_token_usage: { name: "gen_ai.client.token.usage", unit: "token" },
  gen_ai_server_request_duration_seconds: { name: "gen_ai.server.request.duration", unit: "s" },
  gen_ai_server_time_to_first_token_seconds: { name: "gen_ai.server.time_to_first_token", unit: "s" },
  gen_ai_server_time_per_output_token_seconds: { name: "gen_ai.server.time_per_output_token", unit: "s" },
  mcp_request_duration_seconds: { name: "mcp.request.duration", unit: "s" },
  mcp_method_count_total: { name: "mcp.method.count", unit: "" },
  mcp_initialization_duration_seconds: { name: "mcp.initialization.duration", unit: "s" },
};

/** The GenAI metrics' labels as the OpenTelemetry attributes they were. */
const OTEL_ATTRIBUTES: Readonly<Record<string, string>> = {
  gen_ai_operation_name: "gen_ai.operation.name",
  gen_ai_provider_name: "gen_ai.provider.name",
  gen_ai_original_model: "gen_ai.original.model",
  gen_ai_request_model: "gen_ai.request.model",
  gen_ai_response_model: "gen_ai.response.model",
  gen_ai_token_type: "gen_ai.token.type",
  error_type: "error.type",
  mcp_method_name: "mcp.method.name",
};

/**
 * Reads the Prometheus registry /metrics renders and hands its series to an OpenTelemetry metric
 * reader, so that OTLP export sends the very numbers a scrape sees (one set of instruments, not
 * two that could disagree). Cumulative, as Prometheus counts. GenAI metrics get their OpenTelemetry
 * names and attribute names back (header attributes too: `tenant_id` is `tenant.id` again); aigw's
 * own keep theirs, less the `_total` and `_seconds` suffixes an OpenTelemetry Prometheus exporter adds.
 */
export class RegistryMetricProducer implements MetricProducer {
  private readonly startTime: HrTime = millisToHrTime(Date.now());

  constructor(
    private readonly registry: Registry,
    /** Header-attribute labels by label name: `tenant_id` -> `tenant.id`. */
    private readonly attributeOfLabel: ReadonlyMap<string, string>,
  ) {}

  async collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(Date.now());
    const metrics: MetricData[] = [];
    for (const metric of await this.registry.getMetricsAsJSON()) {
      const data = this.convert(metric as MetricObjectWithValues<MetricValue<string>>, endTime);
      if (data) metrics.push(data);
    }
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: "aigw" }, metrics }] },
      errors: [],
    };
  }

  private convert(
    metric: MetricObjectWithValues<MetricValue<string>>,
    endTime: HrTime,
  ): MetricData | undefined {
    const known = OTEL_NAMES[metric.name];
    const seconds = metric.name.endsWith("_seconds");
    const descriptor = {
      name: known?.name ?? metric.name.replace(/_total$/, "").replace(/_seconds$/, ""),
      description: metric.help,
      unit: known?.unit ?? (seconds ? "s" : ""),
      valueType: ValueType.DOUBLE,
    };
    const point = <T>(labels: Readonly<Partial<Record<string, string | number>>>, value: T) => ({
      startTime: this.startTime,
      endTime,
      attributes: this.attributesOf(labels),
      value,
    });
    // prom-client's types declare a numeric enum; at run time `type` is the name ("counter", ...).
    switch (String(metric.type)) {
      case "counter":
        return {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: metric.values.map((v) => point(v.labels, v.value)),
        };
      case "gauge":
        return {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: metric.values.map((v) => point(v.labels, v.value)),
        };
      case "histogram":
        return {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: histogramPoints(metric.name, metric.values as MetricValueWithName<string>[]).map((h) =>
            point(h.labels, {
              buckets: { boundaries: h.boundaries, counts: h.counts },
              sum: h.sum,
              count: h.count,
              min: undefined,
              max: undefined,
            }),
          ),
        };
      default:
        return undefined;
    }
  }

  private attributesOf(labels: Readonly<Partial<Record<string, string | number>>>): Attributes {
    const out: Attributes = {};
    for (const label in labels) {
      const name = OTEL_ATTRIBUTES[label] ?? this.attributeOfLabel.get(label) ?? label;
      out[name] = String(labels[label]);
    }
    return out;
  }
}

interface HistogramPoint {
  labels: Record<string, string | number>;
  boundaries: number[];
  counts: number[];
  sum: number;
  count: number;
}

/**
 * prom-client's histogram values (cumulative `_bucket` counts with `le`, `_sum`, `_count`) as one
 * point per label set with per-bucket counts, as OTLP carries them.
 */
function histogramPoints(name: string, values: readonly MetricValueWithName<string>[]): HistogramPoint[] {
  const points = new Map<string, HistogramPoint & { cumulative: [number, number][] }>();
  const pointOf = (labels: Record<string, string | number>) => {
    const { le: _le, ...rest } = labels;
    const key = JSON.stringify(rest);
    let p = points.get(key);
    if (!p) {
      p = { labels: rest, boundaries: [], counts: [], sum: 0, count: 0, cumulative: [] };
      points.set(key, p);
    }
    return p;
  };
  for (const v of values) {
    const p = pointOf(v.labels as Record<string, string | number>);
    if (v.metricName === `${name}_bucket`) {
      const le = v.labels.le;
      p.cumulative.push([le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), v.value]);
    } else if (v.metricName === `${name}_sum`) p.sum = v.value;
    else if (v.metricName === `${name}_count`) p.count = v.value;
  }
  const out: HistogramPoint[] = [];
  for (const p of points.values()) {
    p.cumulative.sort((a, b) => a[0] - b[0]);
    let previous = 0;
    for (const [bound, cumulative] of p.cumulative) {
      if (Number.isFinite(bound)) p.boundaries.push(bound);
      p.counts.push(cumulative - previous);
      previous = cumulative;
    }
    out.push({ labels: p.labels, boundaries: p.boundaries, counts: p.counts, sum: p.sum, count: p.count });
  }
  return out;
}
