import type { IncomingHttpHeaders } from "node:http";
import {
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type IdGenerator,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { readHeaderAttributes } from "../gateway/request-header-attributes.js";
import type { RequestRecord } from "../gateway/request-record.js";
import type { McpRequestRecord } from "../mcp/mcp-request-record.js";
import { genAiLayout } from "./gen-ai-span.js";
import { mcpBackendsOf, mcpSpanAttributes, mcpSpanName } from "./mcp-span.js";
import { openInferenceLayout } from "./openinference-span.js";
import type { SpanLayout } from "./span-layout.js";
import { TraceIds } from "./trace-ids.js";
import type { SamplerSpec, TracingConfig } from "./tracing-config.js";

/** Most output a span holds (bytes relayed to the client), when outputs are recorded at all. */
const MAX_CAPTURED_OUTPUT = 1024 * 1024;

/**
 * The gateway's tracer: one span per routed API call, the child of the client's `traceparent`,
 * whose own context goes upstream. Spans are batched and exported over OTLP/HTTP (or printed);
 * without a configured exporter no RequestTracer exists and requests pay nothing.
 *
 * The sampling decision is made here, before the SDK is asked for a span: a request that is not
 * sampled (most, at a ratio) gets its ids and its `traceparent` without an SDK span, context or
 * tracer metrics. A request without a `traceparent` (the common case) draws both its ids in one
 * conversion and is decided from the trace id's bytes with the ratio sampler's own arithmetic, no
 * SDK call at all. A sampled one is started through the SDK with the trace id already drawn (the
 * id generator hands it over), so the SDK's sampler, asked again, decides the same: the configured
 * samplers are deterministic in the parent and the trace id.
 */
export class RequestTracer {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;
  private readonly sampler: Sampler;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly layout: SpanLayout;
  private readonly ids = new TraceIds();
  /** The trace id of the root span being started now, for the SDK's id generator. */
  private pendingTraceId: string | undefined;
  /** A root request is sampled when its trace id's ratio key is below this (see rootBoundOf). */
  private readonly rootBound: number;

  constructor(readonly config: TracingConfig) {
    this.layout = config.semconv === "gen_ai" ? genAiLayout : openInferenceLayout;
    this.sampler = samplerOf(config.sampler);
    this.rootBound = rootBoundOf(config.sampler);
    const exporter = exporterOf(config);
    const idGenerator: IdGenerator = {
      generateTraceId: () => {
        const id = this.pendingTraceId ?? this.ids.traceId();
        this.pendingTraceId = undefined;
        return id;
      },
      generateSpanId: () => this.ids.spanId(),
    };
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ ...config.resourceAttributes, "service.name": config.serviceName }),
      sampler: this.sampler,
      idGenerator,
      spanProcessors: [new BatchSpanProcessor({ exporter, ...config.batch })],
    });
    this.tracer = this.provider.getTracer("aigw");
  }

  /** Starts the span of a request that has just arrived. */
  start(headers: IncomingHttpHeaders, record: RequestRecord): RequestSpan {
    if (headers.traceparent === undefined) return this.startRoot(headers, record);
    const parent = this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const parentContext = parent === ROOT_CONTEXT ? undefined : trace.getSpanContext(parent);
    const child = parentContext !== undefined && trace.isSpanContextValid(parentContext);
    const traceId = child ? parentContext.traceId : this.ids.traceId();
    const name = this.layout.nameAtStart(record.operation);
    const kind = this.layout.kind;
    const decision = this.sampler.shouldSample(parent, traceId, name, kind, {}, []).decision;
    if (decision === SamplingDecision.NOT_RECORD) {
      return new RequestSpan(undefined, traceId, this.ids.spanId(), this, headers);
    }
    if (!child) this.pendingTraceId = traceId;
    const span = this.tracer.startSpan(name, { kind }, parent);
    this.pendingTraceId = undefined;
    return new RequestSpan(span, traceId, span.spanContext().spanId, this, headers);
  }

  /** A request without a `traceparent`: a new trace, sampled by its id alone. */
  private startRoot(headers: IncomingHttpHeaders, record: RequestRecord): RequestSpan {
    const ids = this.ids.root();
    const traceId = ids.slice(0, 32);
    if (this.ids.rootRatioKey >= this.rootBound) {
      return new RequestSpan(undefined, traceId, ids.slice(32), this, headers);
    }
    this.pendingTraceId = traceId;
    const span = this.tracer.startSpan(
      this.layout.nameAtStart(record.operation),
      { kind: this.layout.kind },
      ROOT_CONTEXT,
    );
    this.pendingTraceId = undefined;
    return new RequestSpan(span, traceId, span.spanContext().spanId, this, headers);
  }

  /**
   * The span of one finished MCP request (one with a JSON-RPC method), made from its record: named
   * and attributed as upstream's (`CallTool`, `mcp.method.name` ...), a child of the client's
   * `traceparent`, timed from the record. Sampled like any request; an unsampled one costs the
   * sampler's decision only.
   */
  recordMcp(record: McpRequestRecord): void {
    const method = record.method;
    if (method === undefined) return;
    const carrier = { traceparent: record.traceparent };
    const parent =
      record.traceparent === undefined
        ? ROOT_CONTEXT
        : this.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const parentContext = parent === ROOT_CONTEXT ? undefined : trace.getSpanContext(parent);
    const child = parentContext !== undefined && trace.isSpanContextValid(parentContext);
    const traceId = child ? parentContext.traceId : this.ids.traceId();
    const name = mcpSpanName(method);
    // Upstream's MCP spans are client spans (the proxy's calls to its backends).
    const kind = SpanKind.CLIENT;
    if (
      this.sampler.shouldSample(parent, traceId, name, kind, {}, []).decision === SamplingDecision.NOT_RECORD
    ) {
      return;
    }
    const startTime = performance.timeOrigin + record.startedAt;
    if (!child) this.pendingTraceId = traceId;
    const span = this.tracer.startSpan(
      name,
      { kind, startTime, attributes: mcpSpanAttributes(record, method) },
      parent,
    );
    this.pendingTraceId = undefined;
    for (const backend of mcpBackendsOf(record)) {
      span.addEvent(
        "route to backend",
        { "mcp.backend.name": backend, ...(record.session ? { "mcp.session.id": record.session } : {}) },
        startTime,
      );
    }
    if (record.status >= 400 || record.error !== undefined) {
      const type = record.error ?? "_OTHER";
      span.addEvent("exception", { "exception.type": type });
      span.setAttribute("error.type", type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    } else {
      span.setStatus({ code: SpanStatusCode.OK });
    }
    span.end(startTime + record.durationMs);
  }

  /** Called by RequestSpan: the convention's attributes and the shared ones, then the end. */
  finish(span: RequestSpan, record: RequestRecord): void {
    const s = span.span;
    if (!s) return;
    if (s.isRecording()) {
      this.layout.finish(s, {
        record,
        body: span.body,
        rawBody: span.rawBody,
        output: span.output,
        content: this.config.content,
      });
      s.setAttribute("aigw.request_id", record.requestId);
      if (record.route) s.setAttribute("aigw.route", record.route);
      if (record.backend) s.setAttribute("aigw.backend", record.backend);
      if (record.attempts.length > 0) s.setAttribute("aigw.attempts", record.attempts.length);
      s.setAttribute("http.response.status_code", record.status);
      if (record.consumer) s.setAttribute("aigw.consumer", record.consumer);
      if (record.attributes) s.setAttributes(record.attributes);
      if (this.config.headerAttributes.length > 0) {
        s.setAttributes(readHeaderAttributes(span.headers, this.config.headerAttributes));
      }
      if (record.status >= 400 || record.error !== undefined) {
        const type = record.error ?? "_OTHER";
        s.setAttribute("error.type", type);
        s.setStatus({ code: SpanStatusCode.ERROR, message: type });
      }
    }
    s.end();
  }

  /** Exports what is still batched; called on shutdown. */
  async close(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }

  /** Exports what is batched now (tests). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }
}

/** One request's span, and what it gathers for its attributes as the request goes. */
export class RequestSpan {
  /** The `traceparent` the upstream request carries: this span's context. */
  readonly traceparent: string;
  readonly traceId: string;
  /** Whether the span is recorded (sampled): only then is anything gathered for it. */
  readonly recording: boolean;
  body: Readonly<Record<string, unknown>> | undefined;
  rawBody: Buffer | undefined;
  private captured: (Buffer | string)[] | undefined;
  private capturedBytes = 0;

  /** `span` is the SDK's span when the request is sampled; an unsampled one has only its ids. */
  constructor(
    readonly span: Span | undefined,
    traceId: string,
    spanId: string,
    private readonly tracer: RequestTracer,
    readonly headers: IncomingHttpHeaders,
  ) {
    this.traceId = traceId;
    this.traceparent = `00-${traceId}-${spanId}-${span ? "01" : "00"}`;
    this.recording = span !== undefined;
    if (this.recording && tracer.config.content.outputs) this.captured = [];
  }

  /** The client's request, once read. */
  request(body: Readonly<Record<string, unknown>>, raw: Buffer): void {
    if (!this.recording) return;
    this.body = body;
    this.rawBody = raw;
  }

  /** Bytes relayed to the client; kept only when outputs are recorded, up to 1 MiB. */
  readonly capture = (chunk: Buffer | string): void => {
    const captured = this.captured;
    if (!captured || this.capturedBytes >= MAX_CAPTURED_OUTPUT) return;
    captured.push(chunk);
    this.capturedBytes += chunk.length;
  };

  /** Whether the attempt loop should hand over what it relays. */
  get capturing(): boolean {
    return this.captured !== undefined;
  }

  get output(): string | undefined {
    const captured = this.captured;
    if (!captured || captured.length === 0) return undefined;
    const text = captured.map((c) => (typeof c === "string" ? c : c.toString("utf8"))).join("");
    return text.length > MAX_CAPTURED_OUTPUT ? text.slice(0, MAX_CAPTURED_OUTPUT) : text;
  }

  end(record: RequestRecord): void {
    this.tracer.finish(this, record);
  }
}

function exporterOf(config: TracingConfig): SpanExporter {
  const e = config.exporter;
  if (e.kind === "console") return new ConsoleSpanExporter();
  const options = { url: e.endpoint.url };
  return e.endpoint.protocol === "http/json"
    ? new JsonTraceExporter(options)
    : new ProtobufTraceExporter(options);
}

/**
 * The bound a root span's ratio key is compared with, as TraceIdRatioBasedSampler computes it;
 * always_on and always_off are the bounds that take every key and none. Without a parent every
 * configured sampler is its root sampler.
 */
function rootBoundOf(spec: SamplerSpec): number {
  const root =
    spec.kind === "parentbased" ? spec.root : spec.kind === "traceidratio" ? spec.ratio : spec.kind;
  if (root === "always_on") return 0x100000000;
  if (root === "always_off") return 0;
  return root >= 1 ? 0x100000000 : root > 0 ? Math.floor(root * 0xffffffff) : 0;
}

function samplerOf(spec: SamplerSpec): Sampler {
  const simple = (s: "always_on" | "always_off" | number): Sampler =>
    s === "always_on"
      ? new AlwaysOnSampler()
      : s === "always_off"
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(s);
  switch (spec.kind) {
    case "always_on":
    case "always_off":
      return simple(spec.kind);
    case "traceidratio":
      return simple(spec.ratio);
    case "parentbased":
      return new ParentBasedSampler({ root: simple(spec.root) });
  }
}
