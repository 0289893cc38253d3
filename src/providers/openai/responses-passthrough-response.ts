import { type SseEvent, SseReader } from "../../util/sse-reader.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody } from "../translator.js";
import { convertOpenAIUsage, type OpenAIUsage } from "./convert-openai-usage.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

/**
 * The Responses API events that carry the whole response object: its `model` from the first one,
 * its `usage` from the one that ends the stream (completed, incomplete when a limit cut it short,
 * failed when the model stopped with an error after using tokens).
 */
const RESPONSE_EVENTS = new Set([
  "response.created",
  "response.in_progress",
  "response.queued",
  "response.completed",
  "response.incomplete",
  "response.failed",
]);

interface ResponseEvent {
  type?: unknown;
  response?: { model?: unknown; usage?: OpenAIUsage | null } | null;
}

/**
 * The response side of /v1/responses to an OpenAI-compatible backend: the upstream's bytes go to the
 * client unchanged. A whole answer is the response object, read like every OpenAI passthrough answer
 * (its top-level `usage` and `model`; input/output token details count as cached and reasoning).
 * A stream (`response.created` ... `response.completed`) nests both inside each event's `response`,
 * where the chat passthrough does not look, so its events are read here: only those whose data names
 * one of the response-object event types are parsed; the many delta events between them are not.
 */
export function responsesPassthroughResponse(ctx: ResponseContext): ResponseTranslator {
  return new ResponsesPassthroughResponse(ctx);
}

class ResponsesPassthroughResponse implements ResponseTranslator {
  private readonly whole: ResponseTranslator;
  private reader: SseReader | undefined;
  private streamModel: string | undefined;

  constructor(private readonly ctx: ResponseContext) {
    this.whole = openAIPassthroughResponse(ctx);
  }

  /** The whole answer's counts, or the stream's: both are read into the same object. */
  get usage() {
    return this.whole.usage;
  }

  get streamContentType(): string {
    return this.whole.streamContentType;
  }

  get responseModel(): string | undefined {
    return this.streamModel ?? this.whole.responseModel ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    return this.whole.body(body);
  }

  chunk(chunk: Buffer): Buffer {
    this.reader ??= new SseReader();
    this.read(this.reader.push(chunk));
    return chunk;
  }

  end(): undefined {
    if (this.reader) this.read(this.reader.end());
    return undefined;
  }

  private read(events: SseEvent[]): void {
    for (const event of events) {
      // Responses streams name each event (`event: response.completed`); the type is in the data too.
      const named = event.event;
      if (named !== undefined ? !RESPONSE_EVENTS.has(named) : !event.data.includes('"response.')) continue;
      const parsed = tryParse(event.data) as ResponseEvent | undefined;
      if (typeof parsed !== "object" || parsed === null) continue;
      if (typeof parsed.type !== "string" || !RESPONSE_EVENTS.has(parsed.type)) continue;
      const response = parsed.response;
      if (typeof response !== "object" || response === null) continue;
      if (this.streamModel === undefined && typeof response.model === "string" && response.model !== "")
        this.streamModel = response.model;
      if (typeof response.usage === "object" && response.usage !== null)
        convertOpenAIUsage(response.usage, this.whole.usage);
    }
  }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
