import type { TokenUsage } from "../../usage/token-usage.js";
import { createdFromDateHeader } from "../created-from-date-header.js";
import { parseUpstreamJson } from "../json-depth-limit.js";
import { clientAskedForUsage } from "../openai/client-asked-for-usage.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  UpstreamProtocolError,
} from "../translator.js";
import { AnthropicEventsToChatChunks } from "./anthropic-events-to-chat-chunks.js";
import type { AnthropicMessage, AnthropicStreamEvent } from "./anthropic-wire-types.js";
import { convertAnthropicMessageToChatCompletion } from "./convert-anthropic-message-to-chat-completion.js";
import { convertAnthropicUsage } from "./convert-anthropic-usage.js";

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
}

/**
 * The answer of Claude (on Anthropic or on Bedrock) to an OpenAI chat request: a Message becomes a
 * chat.completion, a stream of Message events becomes chat.completion.chunk SSE. A 2xx answer that is
 * not a Message, or a stream without a single event, is UpstreamProtocolError.
 */
export class ChatCompletionFromAnthropicResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  private bufferedUsage: TokenUsage | undefined;
  private bufferedModel: string | undefined;
  private stream: { source: AnthropicEventSource; chunks: AnthropicEventsToChatChunks } | undefined;
  /** Stream events read so far. */
  private events = 0;

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
    const message = parseUpstreamJson(body, "the upstream's answer") as AnthropicMessage;
    if (typeof message !== "object" || message === null || !Array.isArray(message.content)) {
      throw new UpstreamProtocolError("the upstream's answer is not a Message");
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
    for (const event of stream.source.push(chunk)) {
      this.events++;
      out += stream.chunks.push(event);
    }
    return out || undefined;
  }

  end(): string | undefined {
    const stream = this.streamState();
    let out = "";
    for (const event of stream.source.end()) {
      this.events++;
      out += stream.chunks.push(event);
    }
    if (this.events === 0) throw new UpstreamProtocolError("the upstream stream ended without any event");
    return out + stream.chunks.end() || undefined;
  }

  private streamState(): { source: AnthropicEventSource; chunks: AnthropicEventsToChatChunks } {
    this.stream ??= {
      source: this.backend.events(),
      chunks: new AnthropicEventsToChatChunks(
        this.ctx.requestModel,
        createdFromDateHeader(this.ctx.headers),
        clientAskedForUsage(this.ctx.request.body),
      ),
    };
    return this.stream;
  }
}
