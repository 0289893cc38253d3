import * as assert from "node:assert/strict";
import { test } from "node:test";
import { readMetricsExportConfig } from "../../src/telemetry/metrics-export-config.js";
import { otlpEndpointOf, TelemetryConfigError } from "../../src/telemetry/otlp-endpoint.js";
import { readTracingConfig, resourceAttributesOf } from "../../src/telemetry/tracing-config.js";

const refused = (env: Record<string, string>, message: string) =>
  assert.throws(
    () => readTracingConfig(env),
    (err: unknown) => err instanceof TelemetryConfigError && err.message === message,
  );

test("no exporter configured means no tracing; an endpoint alone turns OTLP on", () => {
  assert.equal(readTracingConfig({}), undefined);
  assert.equal(
    readTracingConfig({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }),
    undefined,
  );
  assert.equal(readTracingConfig({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" }), undefined);
  const config = readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" })!;
  assert.deepEqual(config.exporter, {
    kind: "otlp",
    endpoint: { url: "http://c:4318/v1/traces", protocol: "http/protobuf" },
  });
  assert.equal(config.semconv, "openinference");
  assert.equal(config.serviceName, "ai-gateway");
  assert.deepEqual(config.sampler, { kind: "parentbased", root: "always_on" });
  assert.deepEqual(config.content, { inputs: false, outputs: false, invocationParameters: true });
  assert.deepEqual(config.headerAttributes, [{ header: "agent-session-id", attribute: "session.id" }]);
  // OTEL_TRACES_EXPORTER=otlp alone sends to the specification's default endpoint.
  assert.equal(
    (readTracingConfig({ OTEL_TRACES_EXPORTER: "otlp" })!.exporter as { endpoint: { url: string } }).endpoint
      .url,
    "http://localhost:4318/v1/traces",
  );
});

test("a signal's own endpoint and protocol win over the shared ones", () => {
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://shared:4318",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example/custom",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
  };
  assert.deepEqual(otlpEndpointOf(env, "traces"), {
    url: "https://traces.example/custom",
    protocol: "http/json",
  });
  assert.deepEqual(otlpEndpointOf(env, "metrics"), {
    url: "http://shared:4318/v1/metrics",
    protocol: "http/protobuf",
  });
});

test("samplers, content switches and span header attributes are read from their variables", () => {
  const base = { OTEL_TRACES_EXPORTER: "console" };
  assert.deepEqual(
    readTracingConfig({
      ...base,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
    })!.sampler,
    {
      kind: "parentbased",
      root: 0.1,
    },
  );
  assert.deepEqual(readTracingConfig({ ...base, OTEL_TRACES_SAMPLER: "traceidratio" })!.sampler, {
    kind: "traceidratio",
    ratio: 1,
  });
  assert.deepEqual(readTracingConfig({ ...base, OPENINFERENCE_HIDE_INPUTS: "false" })!.content, {
    inputs: true,
    outputs: false,
    invocationParameters: true,
  });
  // gen_ai has one switch of its own; OpenInference's do not apply to it.
  const genAi = { ...base, AI_GATEWAY_TRACING_SEMCONV: "gen_ai", OPENINFERENCE_HIDE_INPUTS: "false" };
  assert.equal(readTracingConfig(genAi)!.content.inputs, false);
  assert.equal(
    readTracingConfig({ ...genAi, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" })!.content
      .outputs,
    true,
  );
  assert.deepEqual(
    readTracingConfig({ ...base, OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES: "x-team:team" })!.headerAttributes,
    [{ header: "x-team", attribute: "team" }],
  );
  assert.deepEqual(readTracingConfig({ ...base, OTEL_BSP_MAX_QUEUE_SIZE: "8192" })!.batch, {
    maxQueueSize: 8192,
  });
});

test("every bad value is refused with the variable and the value named", () => {
  refused(
    { AI_GATEWAY_TRACING_SEMCONV: "otel" },
    'AI_GATEWAY_TRACING_SEMCONV: expected openinference or gen_ai, got "otel"',
  );
  refused(
    { OTEL_TRACES_EXPORTER: "zipkin" },
    'OTEL_TRACES_EXPORTER: expected otlp, console or none, got "zipkin"',
  );
  refused(
    { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
    'OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json, got "grpc" (aigw exports OTLP over HTTP only)',
  );
  refused(
    { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" },
    'OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL, got "collector:4318"',
  );
  refused(
    { OTEL_TRACES_EXPORTER: "console", OTEL_TRACES_SAMPLER: "sometimes" },
    'OTEL_TRACES_SAMPLER: expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio, got "sometimes"',
  );
  refused(
    { OTEL_TRACES_EXPORTER: "console", OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" },
    'OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1, got "1.5"',
  );
  refused(
    { OTEL_TRACES_EXPORTER: "console", OPENINFERENCE_HIDE_INPUTS: "no" },
    'OPENINFERENCE_HIDE_INPUTS: expected true or false, got "no"',
  );
  refused(
    { OTEL_TRACES_EXPORTER: "console", OTEL_BSP_SCHEDULE_DELAY: "-1" },
    'OTEL_BSP_SCHEDULE_DELAY: expected a positive integer, got "-1"',
  );
  refused(
    { OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES: "nocolon" },
    'OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES: "nocolon": expected <header>:<attribute>, e.g. x-tenant-id:tenant.id',
  );
});

test("OTLP metrics export only when OTEL_METRICS_EXPORTER names otlp", () => {
  assert.equal(readMetricsExportConfig({}), undefined);
  assert.equal(readMetricsExportConfig({ OTEL_METRICS_EXPORTER: "prometheus" }), undefined);
  const config = readMetricsExportConfig({
    OTEL_METRICS_EXPORTER: "prometheus, otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
    OTEL_METRIC_EXPORT_INTERVAL: "5000",
  })!;
  assert.deepEqual(config.endpoint, { url: "http://c:4318/v1/metrics", protocol: "http/protobuf" });
  assert.equal(config.intervalMs, 5000);
  assert.equal(config.timeoutMs, 30_000);
  assert.throws(
    () => readMetricsExportConfig({ OTEL_METRICS_EXPORTER: "statsd" }),
    /OTEL_METRICS_EXPORTER: expected otlp, prometheus or none, got "statsd"/,
  );
  assert.throws(
    () => readMetricsExportConfig({ OTEL_METRICS_EXPORTER: "otlp", OTEL_METRIC_EXPORT_INTERVAL: "soon" }),
    /OTEL_METRIC_EXPORT_INTERVAL: expected a positive number of milliseconds, got "soon"/,
  );
});

test("OTEL_RESOURCE_ATTRIBUTES is percent-decoded", () => {
  assert.deepEqual(resourceAttributesOf("deployment.environment=prod,team=ml%20infra,bad"), {
    "deployment.environment": "prod",
    team: "ml infra",
  });
});
