import { nonEmpty, type OtlpEndpoint, otlpEndpointOf, TelemetryConfigError } from "./otlp-endpoint.js";
import { resourceAttributesOf } from "./tracing-config.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface MetricsExportConfig {
  readonly endpoint: OtlpEndpoint;
  /** `OTEL_METRIC_EXPORT_INTERVAL`, default 60 s as in every SDK. */
  readonly intervalMs: number;
  /** `OTEL_METRIC_EXPORT_TIMEOUT`, default 30 s. */
  readonly timeoutMs: number;
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

/** A running OTLP metrics export. */
export interface MetricsExport {
  /** Exports now (tests, and the last export at shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * OTLP metrics export, in addition to /metrics, when `OTEL_METRICS_EXPORTER` names `otlp` (a comma
 * list: `prometheus` is always on here, `none` alone means nothing more). Undefined otherwise.
 * Throws TelemetryConfigError for a value it does not know.
 */
export function readMetricsExportConfig(env: Env): MetricsExportConfig | undefined {
  if (nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === "true") return undefined;
  const names = (nonEmpty(env.OTEL_METRICS_EXPORTER) ?? "prometheus")
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== "");
  for (const name of names) {
    if (name !== "otlp" && name !== "prometheus" && name !== "none") {
      throw new TelemetryConfigError(
        `OTEL_METRICS_EXPORTER: expected otlp, prometheus or none, got "${env.OTEL_METRICS_EXPORTER}"`,
      );
    }
  }
  if (!names.includes("otlp")) return undefined;
  return {
    endpoint: otlpEndpointOf(env, "metrics"),
    intervalMs: positiveInteger(env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000),
    timeoutMs: positiveInteger(env, "OTEL_METRIC_EXPORT_TIMEOUT", 30_000),
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? "ai-gateway",
    resourceAttributes: resourceAttributesOf(env.OTEL_RESOURCE_ATTRIBUTES),
  };
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TelemetryConfigError(`${name}: expected a positive number of milliseconds, got "${value}"`);
  }
  return n;
}
