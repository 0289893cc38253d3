import { emptyUsage } from "../../usage/token-usage.js";
import { firstValue } from "../../util/first-value.js";
import { SseReader } from "../../util/sse-reader.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  UpstreamProtocolError,
} from "../translator.js";
import { convertOpenAIUsage, type OpenAIUsage } from "./convert-openai-usage.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

/** The events of the audio APIs that end a stream and carry its usage. */
const DONE_EVENTS = new Set(["speech.audio.done", "transcript.text.done"]);

/**
 * The response side of the audio passthroughs (speech, transcriptions, translations): the client gets
 * the upstream's bytes as they arrive. Three shapes:
 * - audio bytes (speech without `stream_format: "sse"`): relayed chunk by chunk, never parsed; they
 *   carry no usage.
 * - an event stream (speech with `stream_format: "sse"`, transcriptions with `stream=true`): relayed,
 *   and the `speech.audio.done` / `transcript.text.done` event's usage is read. A stream with no
 *   event at all is UpstreamProtocolError.
 * - a whole answer: JSON (its `usage` read: `type: "tokens"` counts input/output tokens; `type:
 *   "duration"` bills audio seconds, which are not tokens and are counted as none), or the text
 *   formats (text, srt, vtt), relayed as they are. Errors go through the OpenAI passthrough's reading.
 */
export function openAIAudioResponse(ctx: ResponseContext): ResponseTranslator {
  return new OpenAIAudioResponse(ctx);
}

class OpenAIAudioResponse implements ResponseTranslator {
  readonly usage = emptyUsage();
  private reader: SseReader | undefined;
  private events = 0;
  private readonly contentType: string | undefined;

  constructor(private readonly ctx: ResponseContext) {
    this.contentType = firstValue(ctx.headers["content-type"]);
  }

  get streamContentType(): string {
    return this.contentType ?? "application/octet-stream";
  }

  /** The audio APIs' answers do not name a model. */
  get responseModel(): string {
    return this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const contentType = this.contentType ?? "application/json";
    const json = contentType.toLowerCase().includes("json");
    if (this.ctx.status >= 300 || json) {
      // JSON answers and every error take the OpenAI passthrough's checks and usage reading.
      const passthrough = openAIPassthroughResponse(this.ctx);
      const out = passthrough.body(body);
      Object.assign(this.usage, passthrough.usage);
      return out;
    }
    if (contentType.startsWith("text/event-stream")) {
      // A stream answered whole (the client did not ask for one): still read its usage.
      this.chunk(body);
      this.end();
    }
    return { status: this.ctx.status, contentType, body };
  }

  chunk(chunk: Buffer): Buffer {
    if (!this.isEventStream()) return chunk;
    this.reader ??= new SseReader();
    for (const event of this.reader.push(chunk)) this.onEvent(event.data);
    return chunk;
  }

  end(): undefined {
    if (!this.isEventStream()) return undefined;
    if (this.reader) for (const event of this.reader.end()) this.onEvent(event.data);
    if (this.events === 0) throw new UpstreamProtocolError("the upstream's event stream held no event");
    return undefined;
  }

  private isEventStream(): boolean {
    return this.contentType?.startsWith("text/event-stream") === true;
  }

  private onEvent(data: string): void {
    if (data === "" || data === "[DONE]") return;
    this.events += 1;
    // Deltas (audio in base64, text pieces) are the bulk of a stream: only the done event is parsed.
    if (!data.includes('"usage"')) return;
    let parsed: { type?: unknown; usage?: OpenAIUsage | null } | undefined;
    try {
      parsed = JSON.parse(data) as typeof parsed;
    } catch {
      return;
    }
    if (typeof parsed?.type === "string" && DONE_EVENTS.has(parsed.type) && parsed.usage) {
      convertOpenAIUsage(parsed.usage, this.usage);
    }
  }
}
