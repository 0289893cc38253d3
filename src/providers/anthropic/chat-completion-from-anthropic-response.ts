import { openAIErrorBody } from "../../api/openai-error.js";
import type { TokenUsage } from "../../usage/token-usage.js";
import { createdFromDateHeader } from "../created-from-date-header.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody } from "../translator.js";
import { AnthropicEventsToChatChunks } from "./anthropic-events-to-chat-chunks.js";
import type { AnthropicMessage, AnthropicStreamEvent } from "./anthropic-wire-types.js";
import { convertAnthropicMessageToChatCompletion } from "./convert-anthropic-message-to-chat-completion.js";
import { convertAnthropicUsage } from "./convert-anthropic-usage.js";
import { wantsStreamUsage } from "./wants-stream-usage.js";

/** Where the Anthropic stream events come from: Anthropic's SSE, or Bedrock's event stream. */
export interface AnthropicEventSource {
  push(chunk: Buffer): AnthropicStreamEvent[];
  end(): AnthropicStreamEvent[];
}

export interface AnthropicBackend {
  /** Decodes a streamed answer into Anthropic events. */
  events(): AnthropicEventSource;
  /** An error answer (status >= 400) in the OpenAI envelope. */
  errorBody(status: number, headers: ResponseContext["headers"], body: Buffer): string;
  /** The error type for a success answer that is not a Message. */
  backendErrorType: string;
}

/**
 * The answer of Claude (on Anthropic or on Bedrock) to an OpenAI chat request: a Message becomes a
 * chat.completion, a stream of Message events becomes chat.completion.chunk SSE.
 */
export class ChatCompletionFromAnthropicResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  private bufferedUsage: TokenUsage | undefined;
  private bufferedModel: string | undefined;
  private stream: { source: AnthropicEventSource; chunks: AnthropicEventsToChatChunks } | undefined;

  constructor(
    private readonly ctx: ResponseContext,
    private readonly backend: AnthropicBackend,
  ) {}

  get usage(): TokenUsage {
    return this.stream?.chunks.usage ?? this.bufferedUsage ?? convertAnthropicUsage(undefined);
  }

  get responseModel(): string | undefined {
    return this.stream?.chunks.responseModel ?? this.bufferedModel ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    if (status >= 400) {
      return {
        status,
        contentType: "application/json",
        body: this.backend.errorBody(status, this.ctx.headers, body),
      };
    }
    let message: AnthropicMessage;
    try {
      message = JSON.parse(body.toString("utf8")) as AnthropicMessage;
      if (typeof message !== "object" || message === null || !Array.isArray(message.content)) {
        throw new SyntaxError("not a Message");
      }
    } catch (err) {
      const text = `invalid response from upstream: ${(err as Error).message}`;
      return {
        status: 502,
        contentType: "application/json",
        body: openAIErrorBody(502, this.backend.backendErrorType, text),
      };
    }
    this.bufferedUsage = convertAnthropicUsage(message.usage);
    this.bufferedModel =
      typeof message.model === "string" && message.model !== "" ? message.model : undefined;
    const completion = convertAnthropicMessageToChatCompletion(
      message,
      this.bufferedUsage,
      this.bufferedModel ?? this.ctx.requestModel,
      createdFromDateHeader(this.ctx.headers),
    );
    return { status, contentType: "application/json", body: JSON.stringify(completion) };
  }

  chunk(chunk: Buffer): string | undefined {
    const stream = this.streamState();
    let out = "";
    for (const event of stream.source.push(chunk)) out += stream.chunks.push(event);
    return out || undefined;
  }

  end(): string | undefined {
    const stream = this.streamState();
    let out = "";
    for (const event of stream.source.end()) out += stream.chunks.push(event);
    return out + stream.chunks.end() || undefined;
  }

  private streamState(): { source: AnthropicEventSource; chunks: AnthropicEventsToChatChunks } {
    this.stream ??= {
      source: this.backend.events(),
      chunks: new AnthropicEventsToChatChunks(
        this.ctx.requestModel,
        createdFromDateHeader(this.ctx.headers),
        wantsStreamUsage(this.ctx.request),
      ),
    };
    return this.stream;
  }
}
