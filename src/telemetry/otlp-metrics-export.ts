import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtobufMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import type { Registry } from "prom-client";
import type { MetricsExport, MetricsExportConfig } from "./metrics-export-config.js";
import { RegistryMetricProducer } from "./registry-metric-producer.js";

/** Starts exporting what `registry` holds every `intervalMs`, until closed. */
export function startMetricsExport(
  config: MetricsExportConfig,
  registry: Registry,
  attributeOfLabel: ReadonlyMap<string, string>,
): MetricsExport {
  const options = { url: config.endpoint.url };
  const exporter =
    config.endpoint.protocol === "http/json"
      ? new JsonMetricExporter(options)
      : new ProtobufMetricExporter(options);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: config.intervalMs,
    // The SDK refuses a timeout longer than the interval.
    exportTimeoutMillis: Math.min(config.timeoutMs, config.intervalMs),
    metricProducers: [new RegistryMetricProducer(registry, attributeOfLabel)],
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ ...config.resourceAttributes, "service.name": config.serviceName }),
    readers: [reader],
  });
  return {
    flush: () => provider.forceFlush(),
    close: () => provider.shutdown().catch(() => undefined),
  };
}
