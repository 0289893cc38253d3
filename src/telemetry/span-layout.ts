import type { Span, SpanKind } from "@opentelemetry/api";
import type { RequestRecord } from "../gateway/request-record.js";
import type { ContentCapture } from "./tracing-config.js";

/** A finished request as a span layout reads it. */
export interface FinishedRequest {
  readonly record: RequestRecord;
  /** The client's parsed body; undefined when it could not be read or parsed. */
  readonly body: Readonly<Record<string, unknown>> | undefined;
  /** The body's bytes, for `input.value`. */
  readonly rawBody: Buffer | undefined;
  /** What was relayed to the client, captured only when outputs are recorded. */
  readonly output: string | undefined;
  readonly content: ContentCapture;
}

/**
 * One semantic convention's span: its kind, its name, and the attributes a finished request gives
 * it. The convention-neutral attributes (request id, status, error) are set by RequestSpan.
 */
export interface SpanLayout {
  readonly kind: SpanKind;
  /** The name a span starts with, before the model is known. */
  nameAtStart(operation: string): string;
  finish(span: Span, request: FinishedRequest): void;
}
