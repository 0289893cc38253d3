/** Where one OTLP signal goes, and how it is encoded. */
export interface OtlpEndpoint {
  /** The full URL, e.g. http://collector:4318/v1/traces. */
  readonly url: string;
  readonly protocol: "http/protobuf" | "http/json";
}

/** A telemetry variable the gateway cannot start with: the message names the variable and the value. */
export class TelemetryConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

/** OTLP/HTTP's default endpoint (the OpenTelemetry specification's, for every SDK). */
const DEFAULT_ENDPOINT = "http://localhost:4318";

/**
 * The endpoint of one signal from the standard variables, as every OpenTelemetry SDK reads them:
 * `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` is the whole URL; otherwise `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is a base that gets `/v1/<signal>` appended. The protocol likewise, `http/protobuf` by default;
 * gRPC is refused rather than silently sending something else.
 */
export function otlpEndpointOf(env: Env, signal: "traces" | "metrics"): OtlpEndpoint {
  const upper = signal.toUpperCase();
  const specificName = `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`;
  const specific = nonEmpty(env[specificName]);
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const url = specific ?? `${(base ?? DEFAULT_ENDPOINT).replace(/\/+$/, "")}/v1/${signal}`;
  const variable = specific ? specificName : base ? "OTEL_EXPORTER_OTLP_ENDPOINT" : undefined;
  if (variable) checkHttpUrl(variable, specific ?? base!);
  const protocolName = env[`OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`]
    ? `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = nonEmpty(env[protocolName]) ?? "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json") {
    throw new TelemetryConfigError(
      `${protocolName}: expected http/protobuf or http/json, got "${protocol}"` +
        (protocol === "grpc" ? " (aigw exports OTLP over HTTP only)" : ""),
    );
  }
  return { url, protocol };
}

/** A variable that is set but empty counts as unset, as in the OpenTelemetry SDKs. */
export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

function checkHttpUrl(variable: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TelemetryConfigError(`${variable}: expected an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TelemetryConfigError(`${variable}: expected an http(s) URL, got "${value}"`);
  }
}
