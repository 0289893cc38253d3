import { emptyUsage, type TokenUsage } from "../../usage/token-usage.js";
import { firstValue } from "../../util/first-value.js";
import { openAIPassthroughRequest } from "../openai/openai-passthrough-request.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody, Translator } from "../translator.js";
import { AnthropicSseEvents } from "./anthropic-sse-events.js";
import { anthropicPassthroughHeaders } from "./anthropic-version.js";
import { AnthropicStreamUsage } from "./convert-anthropic-usage.js";
import { passAnthropicError } from "./pass-anthropic-error.js";
import { readAnthropicMessageAnswer } from "./read-anthropic-message-answer.js";

/** The only stream events that carry usage or the model; the content deltas are not parsed. */
const USAGE_EVENTS: ReadonlySet<string> = new Set(["message_start", "message_delta"]);

/**
 * /v1/messages to the Anthropic Messages API: a passthrough to `<prefix>/messages`. The client's
 * bytes go unchanged unless modelNameOverride rewrites `model`; the answer goes back unchanged
 * while usage and the model are read from it.
 */
export const anthropicMessagesAnthropicTranslator: Translator = {
  // The OpenAI passthrough does the same for the body: the raw bytes, or `model` rewritten.
  request: (input) => ({
    ...openAIPassthroughRequest(input, "/messages", false),
    headers: anthropicPassthroughHeaders(input.headers),
  }),
  response: (ctx) => new AnthropicMessagesPassthroughResponse(ctx),
};

/**
 * The answer of a Messages API relayed unchanged (Anthropic, Claude on Vertex): usage and model are
 * read from the body or the stream's usage events. `errorBody` puts an error answer in Anthropic's
 * envelope (providers differ in what their non-Anthropic errors look like).
 */
export class AnthropicMessagesPassthroughResponse implements ResponseTranslator {
  readonly streamContentType: string;
  private bufferedUsage: TokenUsage | undefined;
  private model: string | undefined;
  private events: AnthropicSseEvents | undefined;
  private readonly streamUsage = new AnthropicStreamUsage();

  constructor(
    private readonly ctx: ResponseContext,
    private readonly errorBody: (status: number, body: Buffer) => TranslatedBody = passAnthropicError,
  ) {
    this.streamContentType = firstValue(ctx.headers["content-type"]) ?? "text/event-stream";
  }

  get usage(): TokenUsage {
    return this.bufferedUsage ?? (this.events ? this.streamUsage.usage : emptyUsage());
  }

  get responseModel(): string | undefined {
    return this.model ?? this.streamUsage.model ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    if (this.ctx.status >= 400) return this.errorBody(this.ctx.status, body);
    // An event stream the client did not ask for is relayed as the stream it is.
    const contentType = firstValue(this.ctx.headers["content-type"]);
    if (contentType?.startsWith("text/event-stream")) return { status: this.ctx.status, contentType, body };
    const answer = readAnthropicMessageAnswer(body);
    this.bufferedUsage = answer.usage;
    this.model = answer.model;
    return { status: this.ctx.status, contentType: "application/json", body };
  }

  chunk(chunk: Buffer): Buffer {
    this.events ??= new AnthropicSseEvents(USAGE_EVENTS);
    this.observe(this.events.push(chunk));
    return chunk;
  }

  end(): undefined {
    if (this.events) this.observe(this.events.end());
    return undefined;
  }

  private observe(events: ReturnType<AnthropicSseEvents["push"]>): void {
    for (const event of events) this.streamUsage.observe(event);
  }
}
