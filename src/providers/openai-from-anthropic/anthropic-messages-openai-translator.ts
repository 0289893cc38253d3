import { emptyUsage, type TokenUsage } from "../../usage/token-usage.js";
import { SseReader } from "../../util/sse-reader.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import { convertOpenAIUsage } from "../openai/convert-openai-usage.js";
import { openAIPath } from "../openai/openai-path.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type Translator,
  UpstreamProtocolError,
} from "../translator.js";
import { ChatChunksToAnthropicEvents } from "./chat-chunks-to-anthropic-events.js";
import { convertAnthropicRequestToOpenAIChat } from "./convert-anthropic-request-to-openai-chat.js";
import {
  type ChatCompletion,
  convertChatCompletionToAnthropicMessage,
} from "./convert-chat-completion-to-anthropic-message.js";
import { convertOpenAIErrorToAnthropic } from "./convert-openai-error-to-anthropic.js";

/**
 * /v1/messages to an OpenAI-schema backend: the Messages request becomes a chat completion request
 * at `<prefix>/chat/completions`; the chat.completion (or its chunk stream) comes back as an
 * Anthropic Message (or Messages stream), and OpenAI errors as Anthropic errors. A 2xx answer that is
 * not a chat.completion, or a stream without a single chunk, is UpstreamProtocolError.
 */
export const anthropicMessagesOpenAITranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    return {
      path: openAIPath(input.schema, "/chat/completions"),
      body: JSON.stringify(convertAnthropicRequestToOpenAIChat(input.body, input.model)),
    };
  },
  response: (ctx) => new AnthropicMessageFromOpenAIResponse(ctx),
};

class AnthropicMessageFromOpenAIResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  private readonly bufferedUsage = emptyUsage();
  private bufferedModel: string | undefined;
  private stream: { reader: SseReader; events: ChatChunksToAnthropicEvents } | undefined;

  constructor(private readonly ctx: ResponseContext) {}

  get usage(): TokenUsage {
    return this.stream?.events.usage ?? this.bufferedUsage;
  }

  get responseModel(): string | undefined {
    return this.stream?.events.responseModel ?? this.bufferedModel ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    if (status >= 400) {
      return { status, contentType: "application/json", body: convertOpenAIErrorToAnthropic(status, body) };
    }
    const completion = parseUpstreamJson(body, "the upstream's answer") as ChatCompletion;
    if (typeof completion !== "object" || completion === null || !Array.isArray(completion.choices)) {
      throw new UpstreamProtocolError("the upstream's answer is not a chat.completion");
    }
    if (completion.usage) convertOpenAIUsage(completion.usage, this.bufferedUsage);
    if (typeof completion.model === "string" && completion.model !== "")
      this.bufferedModel = completion.model;
    const message = convertChatCompletionToAnthropicMessage(
      completion,
      this.bufferedModel ?? this.ctx.requestModel,
    );
    return { status, contentType: "application/json", body: JSON.stringify(message) };
  }

  chunk(chunk: Buffer): string | undefined {
    const stream = this.streamState();
    let out = "";
    for (const event of stream.reader.push(chunk)) out += stream.events.push(event.data);
    return out || undefined;
  }

  end(): string | undefined {
    const stream = this.streamState();
    let out = "";
    for (const event of stream.reader.end()) out += stream.events.push(event.data);
    return out + stream.events.end() || undefined;
  }

  private streamState(): { reader: SseReader; events: ChatChunksToAnthropicEvents } {
    this.stream ??= {
      reader: new SseReader(),
      events: new ChatChunksToAnthropicEvents(this.ctx.requestModel),
    };
    return this.stream;
  }
}
