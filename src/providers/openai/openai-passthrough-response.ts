import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { findTopLevelValue } from "../../util/find-top-level-value.js";
import { SseReader } from "../../util/sse-reader.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody } from "../translator.js";
import { convertOpenAIUsage, type OpenAIUsage } from "./convert-openai-usage.js";

/** Markers a stream event must contain before it is worth parsing for usage ("usage":null is common). */
const USAGE_MARKERS = ['"usage":{', '"usage": {'] as const;

/**
 * The response side of every OpenAI -> OpenAI passthrough: bytes go to the client unchanged; usage
 * and the response model are read as they pass. A whole answer is not parsed: only the spans of its
 * top-level `usage` and `model` are. Streams are scanned event by event and only events that carry a
 * usage object are parsed, so the per-chunk cost stays small.
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
    if (body[0] === 0x7b /* { */) {
      const usage = spanJson(body, "usage") as OpenAIUsage | undefined;
      if (usage && typeof usage === "object") convertOpenAIUsage(usage, this.usage);
      const model = spanJson(body, "model");
      if (typeof model === "string") this.model = model;
    }
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
  const value = ctx.headers["content-type"];
  return Array.isArray(value) ? value[0] : value;
}

/** The parsed value of a top-level field, or undefined (absent, or the body is not valid JSON). */
function spanJson(body: Buffer, key: string): unknown {
  const span = findTopLevelValue(body, key);
  return span ? tryParse(body.toString("utf8", span.start, span.end)) : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
