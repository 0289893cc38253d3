import type { IncomingHttpHeaders } from "node:http";
import {
  type Context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
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
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { readHeaderAttributes } from "../gateway/request-header-attributes.js";
import type { RequestRecord } from "../gateway/request-record.js";
import { genAiLayout } from "./gen-ai-span.js";
import { openInferenceLayout } from "./openinference-span.js";
import type { SpanLayout } from "./span-layout.js";
import type { SamplerSpec, TracingConfig } from "./tracing-config.js";

/** Most output a span holds (bytes relayed to the client), when outputs are recorded at all. */
const MAX_CAPTURED_OUTPUT = 1024 * 1024;

/**
 * The gateway's tracer: one span per routed API call, the child of the client's `traceparent`,
 * whose own context goes upstream. Spans are batched and exported over OTLP/HTTP (or printed);
 * without a configured exporter no RequestTracer exists and requests pay nothing.
 */
export class RequestTracer {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly layout: SpanLayout;

  constructor(readonly config: TracingConfig) {
    this.layout = config.semconv === "gen_ai" ? genAiLayout : openInferenceLayout;
    const exporter = exporterOf(config);
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ ...config.resourceAttributes, "service.name": config.serviceName }),
      sampler: samplerOf(config.sampler),
      spanProcessors: [new BatchSpanProcessor({ exporter, ...config.batch })],
    });
    this.tracer = this.provider.getTracer("aigw");
  }

  /** Starts the span of a request that has just arrived. */
  start(headers: IncomingHttpHeaders, record: RequestRecord): RequestSpan {
    const parent: Context =
      headers.traceparent === undefined
        ? ROOT_CONTEXT
        : this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const span = this.tracer.startSpan(
      this.layout.nameAtStart(record.operation),
      { kind: this.layout.kind },
      parent,
    );
    return new RequestSpan(span, this, headers);
  }

  /** Called by RequestSpan: the convention's attributes and the shared ones, then the end. */
  finish(span: RequestSpan, record: RequestRecord): void {
    const s = span.span;
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

  constructor(
    readonly span: Span,
    private readonly tracer: RequestTracer,
    readonly headers: IncomingHttpHeaders,
  ) {
    const context = span.spanContext();
    this.traceId = context.traceId;
    const sampled = (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    this.traceparent = `00-${context.traceId}-${context.spanId}-${sampled ? "01" : "00"}`;
    this.recording = span.isRecording();
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
