import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import protobuf from "protobufjs";

/**
 * An in-process OTLP/HTTP collector for tests. It accepts traces and metrics as protobuf or JSON (optionally
 * gzipped) and decodes both into one normalized shape, so a test asserts on what the gateway exported
 * without caring which OTLP protocol it was configured with.
 */

export type AttributeValue =
  | string
  | number
  | boolean
  | unknown[]
  | { [key: string]: unknown }
  | Uint8Array
  | null;
export type Attributes = Record<string, AttributeValue>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  /** OTLP StatusCode: 0 UNSET, 1 OK, 2 ERROR; `message` only when non-empty. */
  status: { code: number; message?: string };
  resource: Attributes;
  /** Instrumentation scope name. */
  scope: string;
  events: { name: string; attributes: Attributes }[];
}

export interface MetricPoint {
  attributes: Attributes;
  /** Sum and gauge points (as_double or as_int). */
  value?: number;
  /** Histogram points. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  min?: number;
  max?: number;
}

/** Exponential histograms and summaries are not decoded; such metrics are left out of `metrics`. */
export interface ReceivedMetric {
  name: string;
  unit: string;
  description: string;
  resource: Attributes;
  scope: string;
  kind: "sum" | "gauge" | "histogram";
  isMonotonic?: boolean;
  /** OTLP AggregationTemporality: 1 DELTA, 2 CUMULATIVE (sum and histogram only). */
  temporality?: number;
  points: MetricPoint[];
}

export interface ReceivedRequest {
  path: "/v1/traces" | "/v1/metrics";
  /** Media type without parameters: "application/x-protobuf" or "application/json". */
  contentType: string;
  contentEncoding: string | undefined;
}

export interface OtlpReceiver {
  /** e.g. "http://127.0.0.1:40123"; exporters want `${url}/v1/traces` and `${url}/v1/metrics`. */
  readonly url: string;
  /** Accepted requests only; a request answered 400 is in `rejected` instead. */
  readonly requests: ReceivedRequest[];
  readonly rejected: { path: string; contentType: string; error: string }[];
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  /** Polls until `predicate` returns something other than undefined/null/false, or rejects after timeoutMs. */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Resolves with all spans once at least `count` have arrived. */
  waitForSpans(count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Resolves with the most recently received metric called `name`. */
  waitForMetric(name: string, timeoutMs?: number): Promise<ReceivedMetric>;
  /** Forgets everything received (the arrays are emptied in place). */
  reset(): void;
  close(): Promise<void>;
}

const PROTOBUF = "application/x-protobuf";
const JSON_TYPE = "application/json";

// The subset of the OTLP protos (opentelemetry-proto v1) that the JS exporters write, with the real field
// numbers. Fields left out (links, exemplars, exponential histograms, summaries) are skipped by the decoder
// as unknown fields. One package per parse, all into the same Root, so cross-package names resolve.
const PROTO_SOURCES = [
  `syntax = "proto3";
  package opentelemetry.proto.common.v1;
  message AnyValue {
    oneof value {
      string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
      ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
    }
  }
  message ArrayValue { repeated AnyValue values = 1; }
  message KeyValueList { repeated KeyValue values = 1; }
  message KeyValue { string key = 1; AnyValue value = 2; }
  message InstrumentationScope {
    string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4;
  }`,
  `syntax = "proto3";
  package opentelemetry.proto.resource.v1;
  message Resource {
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 1; uint32 dropped_attributes_count = 2;
  }`,
  `syntax = "proto3";
  package opentelemetry.proto.trace.v1;
  message ResourceSpans {
    opentelemetry.proto.resource.v1.Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3;
  }
  message ScopeSpans {
    opentelemetry.proto.common.v1.InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3;
  }
  message Span {
    bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
    string name = 5; SpanKind kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
    repeated Event events = 11; uint32 dropped_events_count = 12; uint32 dropped_links_count = 14;
    Status status = 15;
    enum SpanKind {
      SPAN_KIND_UNSPECIFIED = 0; SPAN_KIND_INTERNAL = 1; SPAN_KIND_SERVER = 2; SPAN_KIND_CLIENT = 3;
      SPAN_KIND_PRODUCER = 4; SPAN_KIND_CONSUMER = 5;
    }
    message Event {
      fixed64 time_unix_nano = 1; string name = 2;
      repeated opentelemetry.proto.common.v1.KeyValue attributes = 3; uint32 dropped_attributes_count = 4;
    }
  }
  message Status {
    reserved 1;
    string message = 2; StatusCode code = 3;
    enum StatusCode { STATUS_CODE_UNSET = 0; STATUS_CODE_OK = 1; STATUS_CODE_ERROR = 2; }
  }`,
  `syntax = "proto3";
  package opentelemetry.proto.metrics.v1;
  message ResourceMetrics {
    opentelemetry.proto.resource.v1.Resource resource = 1; repeated ScopeMetrics scope_metrics = 2;
    string schema_url = 3;
  }
  message ScopeMetrics {
    opentelemetry.proto.common.v1.InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3;
  }
  message Metric {
    string name = 1; string description = 2; string unit = 3;
    oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
    repeated opentelemetry.proto.common.v1.KeyValue metadata = 12;
  }
  enum AggregationTemporality {
    AGGREGATION_TEMPORALITY_UNSPECIFIED = 0; AGGREGATION_TEMPORALITY_DELTA = 1;
    AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
  }
  message Gauge { repeated NumberDataPoint data_points = 1; }
  message Sum {
    repeated NumberDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; bool is_monotonic = 3;
  }
  message Histogram {
    repeated HistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2;
  }
  message NumberDataPoint {
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
    fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    oneof value { double as_double = 4; sfixed64 as_int = 6; }
    uint32 flags = 8;
  }
  message HistogramDataPoint {
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
    fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4; optional double sum = 5;
    repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; uint32 flags = 10;
    optional double min = 11; optional double max = 12;
  }`,
  `syntax = "proto3";
  package opentelemetry.proto.collector.trace.v1;
  message ExportTraceServiceRequest { repeated opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1; }`,
  `syntax = "proto3";
  package opentelemetry.proto.collector.metrics.v1;
  message ExportMetricsServiceRequest {
    repeated opentelemetry.proto.metrics.v1.ResourceMetrics resource_metrics = 1;
  }`,
  // The error body OTLP/HTTP specifies for a rejected request.
  `syntax = "proto3";
  package google.rpc;
  message Status { int32 code = 1; string message = 2; }`,
];

const root = new protobuf.Root();
for (const source of PROTO_SOURCES) protobuf.parse(source, root);
root.resolveAll();
const REQUEST_TYPES = {
  "/v1/traces": root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest"),
  "/v1/metrics": root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"),
};
const RPC_STATUS = root.lookupType("google.rpc.Status");

/** Decodes protobuf into the same plain shape as OTLP JSON: camelCase keys, 64-bit ints as strings. */
function decodeProtobuf(path: keyof typeof REQUEST_TYPES, body: Buffer): unknown {
  const type = REQUEST_TYPES[path];
  return type.toObject(type.decode(body), { longs: String, enums: Number });
}

function decodeJson(body: Buffer): unknown {
  return JSON.parse(body.toString("utf8"));
}

// ---- normalization: the shared step for both encodings. Malformed shapes throw, so they get a 400. ----

type Obj = Record<string, unknown>;

function obj(value: unknown, what: string): Obj {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Obj;
}

function list(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${what} is not an array`);
  return value;
}

/** int64/fixed64 arrive as decimal strings (protobufjs longs: String, and OTLP JSON) or as JSON numbers. */
function bigint(value: unknown, what: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "string" || typeof value === "number") return BigInt(value);
  throw new Error(`${what} is not an integer`);
}

function num(value: unknown, what: string): number {
  // JSON may spell doubles "NaN"/"Infinity" and int64s as strings; Number() takes both.
  const n = typeof value === "string" || typeof value === "number" ? Number(value) : Number.NaN;
  if (Number.isNaN(n) && value !== "NaN") throw new Error(`${what} is not a number: ${String(value)}`);
  return n;
}

function int(value: unknown, what: string): number {
  const n = value === undefined ? 0 : num(value, what);
  if (!Number.isInteger(n)) throw new Error(`${what} is not an integer: ${String(value)}`);
  return n;
}

/** Protobuf gives bytes, OTLP JSON gives hex (not base64) for ids; both become lowercase hex. */
function hexId(value: unknown, byteLength: number, what: string): string | undefined {
  let hex: string;
  if (value instanceof Uint8Array) hex = Buffer.from(value).toString("hex");
  else if (typeof value === "string") hex = value.toLowerCase();
  else if (value === undefined || value === null) return undefined;
  else throw new Error(`${what} is not bytes or hex`);
  if (hex === "") return undefined;
  if (hex.length !== byteLength * 2 || !/^[0-9a-f]+$/.test(hex)) {
    throw new Error(`${what} is not ${byteLength} bytes of hex: ${hex}`);
  }
  return hex;
}

function anyValue(value: unknown): AttributeValue {
  const v = obj(value, "AnyValue");
  if ("stringValue" in v) return String(v.stringValue);
  if ("boolValue" in v) return v.boolValue === true;
  // int64 loses precision past 2^53; fine for tests, which assert small counts.
  if ("intValue" in v) return int(v.intValue, "intValue");
  if ("doubleValue" in v) return num(v.doubleValue, "doubleValue");
  if ("arrayValue" in v)
    return list(obj(v.arrayValue, "arrayValue").values, "arrayValue.values").map(anyValue);
  if ("kvlistValue" in v) return keyValues(obj(v.kvlistValue, "kvlistValue").values);
  if ("bytesValue" in v) {
    const b = v.bytesValue; // JSON encodes non-id bytes as base64
    return b instanceof Uint8Array ? new Uint8Array(b) : new Uint8Array(Buffer.from(String(b), "base64"));
  }
  return null; // an empty AnyValue
}

function keyValues(value: unknown): Attributes {
  const out: Attributes = {};
  for (const item of list(value, "attributes")) {
    const kv = obj(item, "KeyValue");
    out[String(kv.key ?? "")] = anyValue(kv.value);
  }
  return out;
}

function normalizeSpans(request: unknown): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rsItem of list(obj(request, "request").resourceSpans, "resourceSpans")) {
    const rs = obj(rsItem, "ResourceSpans");
    const resource = keyValues(obj(rs.resource, "resource").attributes);
    for (const ssItem of list(rs.scopeSpans, "scopeSpans")) {
      const ss = obj(ssItem, "ScopeSpans");
      const scope = String(obj(ss.scope, "scope").name ?? "");
      for (const spanItem of list(ss.spans, "spans")) {
        const s = obj(spanItem, "Span");
        const status = obj(s.status, "status");
        const traceId = hexId(s.traceId, 16, "traceId");
        const spanId = hexId(s.spanId, 8, "spanId");
        if (!traceId || !spanId) throw new Error("span without traceId or spanId");
        spans.push({
          traceId,
          spanId,
          parentSpanId: hexId(s.parentSpanId, 8, "parentSpanId"),
          name: String(s.name ?? ""),
          kind: int(s.kind, "kind"),
          startTimeUnixNano: bigint(s.startTimeUnixNano, "startTimeUnixNano"),
          endTimeUnixNano: bigint(s.endTimeUnixNano, "endTimeUnixNano"),
          attributes: keyValues(s.attributes),
          status: {
            code: int(status.code, "status.code"),
            ...(status.message ? { message: String(status.message) } : {}),
          },
          resource,
          scope,
          events: list(s.events, "events").map((e) => {
            const event = obj(e, "Event");
            return { name: String(event.name ?? ""), attributes: keyValues(event.attributes) };
          }),
        });
      }
    }
  }
  return spans;
}

function numberPoint(item: unknown): MetricPoint {
  const p = obj(item, "NumberDataPoint");
  const point: MetricPoint = { attributes: keyValues(p.attributes) };
  if (p.asDouble !== undefined) point.value = num(p.asDouble, "asDouble");
  else if (p.asInt !== undefined) point.value = int(p.asInt, "asInt");
  return point;
}

function histogramPoint(item: unknown): MetricPoint {
  const p = obj(item, "HistogramDataPoint");
  const point: MetricPoint = {
    attributes: keyValues(p.attributes),
    count: int(p.count, "count"),
    bucketCounts: list(p.bucketCounts, "bucketCounts").map((c) => int(c, "bucketCounts")),
    explicitBounds: list(p.explicitBounds, "explicitBounds").map((b) => num(b, "explicitBounds")),
  };
  // sum/min/max are proto3 `optional`: absent means unknown, not zero.
  if (p.sum !== undefined) point.sum = num(p.sum, "sum");
  if (p.min !== undefined) point.min = num(p.min, "min");
  if (p.max !== undefined) point.max = num(p.max, "max");
  return point;
}

function normalizeMetrics(request: unknown): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  for (const rmItem of list(obj(request, "request").resourceMetrics, "resourceMetrics")) {
    const rm = obj(rmItem, "ResourceMetrics");
    const resource = keyValues(obj(rm.resource, "resource").attributes);
    for (const smItem of list(rm.scopeMetrics, "scopeMetrics")) {
      const sm = obj(smItem, "ScopeMetrics");
      const scope = String(obj(sm.scope, "scope").name ?? "");
      for (const mItem of list(sm.metrics, "metrics")) {
        const m = obj(mItem, "Metric");
        const base = {
          name: String(m.name ?? ""),
          unit: String(m.unit ?? ""),
          description: String(m.description ?? ""),
          resource,
          scope,
        };
        if (m.sum !== undefined) {
          const sum = obj(m.sum, "sum");
          metrics.push({
            ...base,
            kind: "sum",
            isMonotonic: sum.isMonotonic === true,
            temporality: int(sum.aggregationTemporality, "aggregationTemporality"),
            points: list(sum.dataPoints, "dataPoints").map(numberPoint),
          });
        } else if (m.gauge !== undefined) {
          const gauge = obj(m.gauge, "gauge");
          metrics.push({
            ...base,
            kind: "gauge",
            points: list(gauge.dataPoints, "dataPoints").map(numberPoint),
          });
        } else if (m.histogram !== undefined) {
          const histogram = obj(m.histogram, "histogram");
          metrics.push({
            ...base,
            kind: "histogram",
            temporality: int(histogram.aggregationTemporality, "aggregationTemporality"),
            points: list(histogram.dataPoints, "dataPoints").map(histogramPoint),
          });
        }
      }
    }
  }
  return metrics;
}

// ---- the HTTP side ----

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const rejected: { path: string; contentType: string; error: string }[] = [];
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://receiver").pathname;
    if (path !== "/v1/traces" && path !== "/v1/metrics") return reply(res, 404, "text/plain", "not found");
    if (req.method !== "POST") return reply(res, 405, "text/plain", "POST only");
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== PROTOBUF && contentType !== JSON_TYPE) {
      return reply(res, 415, "text/plain", `unsupported content-type ${contentType}`);
    }
    const contentEncoding = req.headers["content-encoding"]?.toLowerCase();
    const raw = await readBody(req);
    let decodedSpans: ReceivedSpan[] = [];
    let decodedMetrics: ReceivedMetric[] = [];
    try {
      if (contentEncoding && contentEncoding !== "gzip" && contentEncoding !== "identity") {
        throw new Error(`unsupported content-encoding ${contentEncoding}`);
      }
      const body = contentEncoding === "gzip" ? gunzipSync(raw) : raw;
      const message = contentType === PROTOBUF ? decodeProtobuf(path, body) : decodeJson(body);
      // Normalize fully before recording anything, so a bad request leaves no partial trace.
      if (path === "/v1/traces") decodedSpans = normalizeSpans(message);
      else decodedMetrics = normalizeMetrics(message);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      rejected.push({ path, contentType, error });
      // OTLP/HTTP answers a bad request with a google.rpc.Status (code 3 INVALID_ARGUMENT) in the request's encoding.
      const status = { code: 3, message: error };
      return contentType === PROTOBUF
        ? reply(res, 400, PROTOBUF, RPC_STATUS.encode(RPC_STATUS.fromObject(status)).finish())
        : reply(res, 400, JSON_TYPE, JSON.stringify(status));
    }
    requests.push({ path, contentType, contentEncoding });
    spans.push(...decodedSpans);
    metrics.push(...decodedMetrics);
    // An empty Export*ServiceResponse: zero bytes in protobuf, {} in JSON (no partial_success).
    reply(res, 200, contentType, contentType === PROTOBUF ? new Uint8Array(0) : "{}");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, "text/plain", String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const summary = () =>
    `received spans [${spans.map((s) => s.name).join(", ")}], metrics [${metrics.map((m) => m.name).join(", ")}]` +
    `, rejected ${JSON.stringify(rejected)}`;

  const receiver: OtlpReceiver = {
    url: `http://127.0.0.1:${port}`,
    requests,
    rejected,
    spans,
    metrics,
    async waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = predicate();
        if (result !== undefined && result !== null && result !== false) return result;
        if (Date.now() >= deadline)
          throw new Error(`OTLP receiver: waited ${timeoutMs}ms in vain; ${summary()}`);
        await delay(10);
      }
    },
    waitForSpans(count, timeoutMs) {
      return receiver.waitFor(() => (spans.length >= count ? [...spans] : undefined), timeoutMs);
    },
    waitForMetric(name, timeoutMs) {
      return receiver.waitFor(() => metrics.findLast((m) => m.name === name), timeoutMs);
    },
    reset() {
      requests.length = 0;
      rejected.length = 0;
      spans.length = 0;
      metrics.length = 0;
    },
    close() {
      // Exporters keep connections alive; drop them or close() would wait for their idle timeout.
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
  return receiver;
}
