import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { type Span, scanTopLevelObject, topLevelKey } from "../../util/find-top-level-value.js";
import { firstValue } from "../../util/first-value.js";
import { SseReader } from "../../util/sse-reader.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  UpstreamProtocolError,
} from "../translator.js";
import { convertOpenAIUsage, type OpenAIUsage } from "./convert-openai-usage.js";

/** The top-level fields of a whole answer that are read: usage, then model. */
const ANSWER_KEYS = [topLevelKey("usage"), topLevelKey("model")];
/** Their spans, filled by each body() and read at once (the scan is synchronous). */
const spans: (Span | undefined)[] = [undefined, undefined];

/** Markers a stream event must contain before it is worth parsing for usage ("usage":null is common). */
const USAGE_MARKERS = ['"usage":{', '"usage": {'] as const;

/**
 * The response side of every OpenAI -> OpenAI passthrough: bytes go to the client unchanged; usage
 * and the response model are read as they pass. A whole answer is not parsed: one scan checks that
 * it is a JSON object (a 2xx answer that is not, such as an HTML page or JSON cut off, is
 * UpstreamProtocolError) and finds the spans of its top-level `usage` and `model`, and only those are
 * parsed. Streams are scanned event by event and only events that carry a usage object are parsed,
 * so the per-chunk cost stays small.
 */
export function openAIPassthroughResponse(ctx: ResponseContext): ResponseTranslator {
  return new OpenAIPassthroughResponse(ctx);
}

class OpenAIPassthroughResponse implements ResponseTranslator {
  readonly usage = emptyUsage();
  private model: string | undefined;
  private reader: SseReader | undefined;

  constructor(private readonly ctx: ResponseContext) {}

  get streamContentType(): string {
    return contentTypeOf(this.ctx) ?? "text/event-stream";
  }

  get responseModel(): string {
    return this.model ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    const contentType = contentTypeOf(this.ctx) ?? "application/json";
    if (status >= 400) {
      // OpenAI JSON errors pass through untouched; anything else is wrapped so clients can parse it.
      if (tryParse(body.toString("utf8")) !== undefined) return { status, contentType, body };
      const message = body.toString("utf8");
      return {
        status,
        contentType: "application/json",
        body: openAIErrorBody(status, "OpenAIBackendError", message),
      };
    }
    // One pass checks that the answer is a JSON object and finds its usage and model. A 3xx (which
    // an OpenAI API never sends) and an event stream (some servers stream whatever `stream` says)
    // pass as they are, whatever they hold.
    if (!scanTopLevelObject(body, ANSWER_KEYS, spans)) {
      if (status >= 300 || contentType.startsWith("text/event-stream")) return { status, contentType, body };
      throw new UpstreamProtocolError("the upstream's answer is not a JSON object");
    }
    const usage = spanJson(body, spans[0]) as OpenAIUsage | null | undefined;
    if (usage && typeof usage === "object") convertOpenAIUsage(usage, this.usage);
    const model = spanJson(body, spans[1]);
    if (typeof model === "string") this.model = model;
    return { status, contentType, body };
  }

  chunk(chunk: Buffer): Buffer {
    this.reader ??= new SseReader();
    for (const event of this.reader.push(chunk)) this.onEvent(event.data);
    return chunk;
  }

  end(): undefined {
    if (this.reader) for (const event of this.reader.end()) this.onEvent(event.data);
    return undefined;
  }

  private onEvent(data: string): void {
    if (this.model === undefined && data.startsWith("{")) {
      const parsed = tryParse(data) as { model?: unknown } | undefined;
      if (typeof parsed?.model === "string" && parsed.model !== "") this.model = parsed.model;
    }
    if (data.includes(USAGE_MARKERS[0]) || data.includes(USAGE_MARKERS[1])) {
      const parsed = tryParse(data) as { usage?: OpenAIUsage | null } | undefined;
      if (parsed?.usage) convertOpenAIUsage(parsed.usage, this.usage);
    }
  }
}

function contentTypeOf(ctx: ResponseContext): string | undefined {
  return firstValue(ctx.headers["content-type"]);
}

/** The parsed value of a top-level field found by scanTopLevelObject, or undefined when absent. */
function spanJson(body: Buffer, span: Span | undefined): unknown {
  return span ? tryParse(body.toString("utf8", span.start, span.end)) : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
