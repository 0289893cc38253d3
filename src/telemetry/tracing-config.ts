import {
  type HeaderAttribute,
  parseRequestHeaderAttributes,
  SESSION_ID_ATTRIBUTE,
} from "../gateway/request-header-attributes.js";
import { nonEmpty, type OtlpEndpoint, otlpEndpointOf, TelemetryConfigError } from "./otlp-endpoint.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Which attribute layout spans follow. */
export type TracingSemconv = "openinference" | "gen_ai";

/** The OpenTelemetry sampler names of `OTEL_TRACES_SAMPLER`. */
export type SamplerSpec =
  | { readonly kind: "always_on" | "always_off" }
  | { readonly kind: "traceidratio"; readonly ratio: number }
  | { readonly kind: "parentbased"; readonly root: "always_on" | "always_off" | number };

/** What a span may hold of a request's content; everything off by default. */
export interface ContentCapture {
  readonly inputs: boolean;
  readonly outputs: boolean;
  /** OpenInference's `llm.invocation_parameters` (temperature, max tokens...: no content). */
  readonly invocationParameters: boolean;
}

export interface TracingConfig {
  readonly semconv: TracingSemconv;
  readonly exporter:
    | { readonly kind: "otlp"; readonly endpoint: OtlpEndpoint }
    | { readonly kind: "console" };
  readonly sampler: SamplerSpec;
  readonly serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`, parsed. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly content: ContentCapture;
  /** Request headers recorded as span attributes (`OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES`). */
  readonly headerAttributes: readonly HeaderAttribute[];
  /** The batch span processor's `OTEL_BSP_*` settings (unset: the SDK's defaults). */
  readonly batch: BatchSettings;
}

export interface BatchSettings {
  readonly scheduledDelayMillis?: number;
  readonly maxQueueSize?: number;
  readonly maxExportBatchSize?: number;
  readonly exportTimeoutMillis?: number;
}

/**
 * The semantic convention spans follow, checked whether or not an exporter is configured, so that
 * a typo fails the start rather than the first trace after someone turns tracing on.
 */
export function tracingSemconvOf(env: Env): TracingSemconv {
  const value = nonEmpty(env.AI_GATEWAY_TRACING_SEMCONV) ?? "openinference";
  if (value !== "openinference" && value !== "gen_ai") {
    throw new TelemetryConfigError(
      `AI_GATEWAY_TRACING_SEMCONV: expected openinference or gen_ai, got "${value}"`,
    );
  }
  return value;
}

/**
 * Tracing from the standard OpenTelemetry variables; undefined when no exporter is configured (no
 * tracing, and no cost on the request path). An exporter is configured by `OTEL_TRACES_EXPORTER`
 * (`otlp`, `console`; `none` turns tracing off) or, as in Envoy AI Gateway, by an OTLP endpoint
 * alone. `OTEL_SDK_DISABLED=true` turns it off whatever else is set. Throws TelemetryConfigError.
 */
export function readTracingConfig(env: Env): TracingConfig | undefined {
  const semconv = tracingSemconvOf(env);
  const headerAttributes = spanHeaderAttributes(env);
  if (nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === "true") return undefined;
  const named = nonEmpty(env.OTEL_TRACES_EXPORTER)?.toLowerCase();
  const endpointSet =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) !== undefined ||
    nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) !== undefined;
  const kind = named ?? (endpointSet ? "otlp" : "none");
  if (kind !== "otlp" && kind !== "console" && kind !== "none") {
    throw new TelemetryConfigError(`OTEL_TRACES_EXPORTER: expected otlp, console or none, got "${named}"`);
  }
  if (kind === "none") return undefined;
  return {
    semconv,
    exporter: kind === "otlp" ? { kind, endpoint: otlpEndpointOf(env, "traces") } : { kind },
    sampler: samplerOf(env),
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? "ai-gateway",
    resourceAttributes: resourceAttributesOf(env.OTEL_RESOURCE_ATTRIBUTES),
    content: contentCaptureOf(env, semconv),
    headerAttributes,
    batch: batchSettingsOf(env),
  };
}

function batchSettingsOf(env: Env): BatchSettings {
  const out: Record<string, number> = {};
  const read = (name: string, key: keyof BatchSettings): void => {
    const value = nonEmpty(env[name]);
    if (value === undefined) return;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) {
      throw new TelemetryConfigError(`${name}: expected a positive integer, got "${value}"`);
    }
    out[key] = n;
  };
  read("OTEL_BSP_SCHEDULE_DELAY", "scheduledDelayMillis");
  read("OTEL_BSP_MAX_QUEUE_SIZE", "maxQueueSize");
  read("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "maxExportBatchSize");
  read("OTEL_BSP_EXPORT_TIMEOUT", "exportTimeoutMillis");
  return out;
}

function spanHeaderAttributes(env: Env): HeaderAttribute[] {
  const text = env.OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES;
  // Upstream's default: the agent session a request belongs to.
  if (text === undefined) return [SESSION_ID_ATTRIBUTE];
  try {
    return parseRequestHeaderAttributes(text);
  } catch (err) {
    throw new TelemetryConfigError(`OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES: ${(err as Error).message}`);
  }
}

/**
 * Unlike Envoy AI Gateway, no prompt or completion is recorded unless asked: a trace backend is
 * rarely cleared for what users type. OpenInference's variables open inputs and outputs one by one;
 * `gen_ai` follows its own convention's single switch.
 */
function contentCaptureOf(env: Env, semconv: TracingSemconv): ContentCapture {
  if (semconv === "gen_ai") {
    const on = flag(env, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", false);
    return { inputs: on, outputs: on, invocationParameters: true };
  }
  return {
    inputs: !flag(env, "OPENINFERENCE_HIDE_INPUTS", true),
    outputs: !flag(env, "OPENINFERENCE_HIDE_OUTPUTS", true),
    invocationParameters: !flag(env, "OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS", false),
  };
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = nonEmpty(env[name])?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new TelemetryConfigError(`${name}: expected true or false, got "${env[name]}"`);
}

/** `OTEL_TRACES_SAMPLER` and its argument; the specification's default is parentbased_always_on. */
function samplerOf(env: Env): SamplerSpec {
  const name = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase() ?? "parentbased_always_on";
  const ratio = (): number => {
    const arg = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG);
    if (arg === undefined) return 1;
    const n = Number(arg);
    if (!Number.isFinite(n) || n < 0 || n > 1) {
      throw new TelemetryConfigError(`OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1, got "${arg}"`);
    }
    return n;
  };
  switch (name) {
    case "always_on":
    case "always_off":
      return { kind: name };
    case "traceidratio":
      return { kind: "traceidratio", ratio: ratio() };
    case "parentbased_always_on":
      return { kind: "parentbased", root: "always_on" };
    case "parentbased_always_off":
      return { kind: "parentbased", root: "always_off" };
    case "parentbased_traceidratio":
      return { kind: "parentbased", root: ratio() };
    default:
      throw new TelemetryConfigError(
        `OTEL_TRACES_SAMPLER: expected always_on, always_off, traceidratio, parentbased_always_on, ` +
          `parentbased_always_off or parentbased_traceidratio, got "${env.OTEL_TRACES_SAMPLER}"`,
      );
  }
}

/** `key1=value1,key2=value2`, values percent-decoded as the specification says. */
export function resourceAttributesOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      throw new TelemetryConfigError(`OTEL_RESOURCE_ATTRIBUTES: "${key}" has a malformed percent-encoding`);
    }
  }
  return out;
}
