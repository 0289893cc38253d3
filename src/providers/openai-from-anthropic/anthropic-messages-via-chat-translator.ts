import type { TokenUsage } from "../../usage/token-usage.js";
import { SseReader } from "../../util/sse-reader.js";
import { markDepthChecked, parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type TranslateRequestInput,
  type Translator,
  UpstreamProtocolError,
  type UpstreamRequest,
} from "../translator.js";
import { ChatChunksToAnthropicEvents } from "./chat-chunks-to-anthropic-events.js";
import { convertAnthropicRequestToOpenAIChat } from "./convert-anthropic-request-to-openai-chat.js";
import {
  type ChatCompletion,
  convertChatCompletionToAnthropicMessage,
} from "./convert-chat-completion-to-anthropic-message.js";
import { convertOpenAIErrorToAnthropic } from "./convert-openai-error-to-anthropic.js";

/**
 * Serves Anthropic Messages clients (`/v1/messages`) with any backend that has an `openai-chat`
 * translator: `anthropicMessagesViaChat(chatTranslator)` is the backend's `anthropic-messages`
 * translator.
 *
 * Request: the Messages body becomes an OpenAI chat completion body (convertAnthropicRequestToOpenAIChat;
 * a stream asks for `stream_options.include_usage`), which the chat translator then turns into the
 * backend's request, so path, headers and body are entirely the chat translator's.
 * Response: whatever the chat translator makes of the backend's answer, i.e. an OpenAI chat.completion,
 * an OpenAI chunk stream (SSE, ending in `data: [DONE]`) or an OpenAI error body, is said in Anthropic's
 * shape: a Message, a Messages event stream, an Anthropic error with the same status.
 * Usage and the response model are the chat translator's, which reads them from the backend's answer.
 *
 * The wrapped translator sees a TranslateRequestInput whose body and raw bytes are the converted chat
 * body, with `modelOverridden` false (the body already names the model to ask for); everything else
 * (stream, forceIncludeUsage, schema, headers) is the client's.
 */
export function anthropicMessagesViaChat(chat: Translator, options: ViaChatOptions = {}): Translator {
  // The Anthropic body's depth is checked here; the chat body made from it is marked as checked
  // (markDepthChecked), since conversion adds a level that would refuse a body at the limit.
  // The chat input made for each Anthropic input, so the response side hands the wrapped translator
  // the same input its request side saw without converting the conversation again.
  const chatInputs = new WeakMap<TranslateRequestInput, TranslateRequestInput>();
  const chatInputFor = (input: TranslateRequestInput): TranslateRequestInput => {
    let chatInput = chatInputs.get(input);
    if (chatInput === undefined) {
      chatInput = toChatInput(input, options);
      chatInputs.set(input, chatInput);
    }
    return chatInput;
  };
  return {
    request(input): UpstreamRequest {
      refuseDeepRequest(input);
      return chat.request(chatInputFor(input));
    },
    response(ctx): ResponseTranslator {
      const chatCtx: ResponseContext = { ...ctx, request: chatInputFor(ctx.request) };
      return new AnthropicFromChatResponse(ctx, chat.response(chatCtx));
    },
  };
}

export interface ViaChatOptions {
  /**
   * Copy the Messages request's `thinking` object (`{type:"enabled",budget_tokens}` /
   * `{type:"disabled"}`) onto the chat body as `thinking`, for chat translators that read it (Gemini
   * makes it thinkingConfig). Off by default: OpenAI-schema backends reject the unknown parameter.
   */
  keepThinking?: boolean;
}

/** The Anthropic request as the chat request a chat translator reads. */
function toChatInput(input: TranslateRequestInput, options: ViaChatOptions): TranslateRequestInput {
  const body = convertAnthropicRequestToOpenAIChat(input.body, input.model);
  const thinking = input.body.thinking;
  if (options.keepThinking && typeof thinking === "object" && thinking !== null) body.thinking = thinking;
  const raw = markDepthChecked(Buffer.from(JSON.stringify(body)));
  return { ...input, body, raw, modelOverridden: false };
}

/**
 * The wrapped chat translator's OpenAI-shaped answer, said in Anthropic's shape. A 2xx body that is not
 * a chat.completion, or a stream without a single chunk, is UpstreamProtocolError.
 */
class AnthropicFromChatResponse implements ResponseTranslator {
  readonly streamContentType = "text/event-stream";
  private stream: { reader: SseReader; events: ChatChunksToAnthropicEvents } | undefined;

  constructor(
    private readonly ctx: ResponseContext,
    private readonly chat: ResponseTranslator,
  ) {}

  get usage(): TokenUsage {
    return this.chat.usage;
  }

  get responseModel(): string | undefined {
    return this.chat.responseModel ?? this.stream?.events.responseModel ?? this.ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const openai = this.chat.body(body);
    const status = openai.status;
    const bytes = typeof openai.body === "string" ? Buffer.from(openai.body) : openai.body;
    if (status >= 400) {
      return { status, contentType: "application/json", body: convertOpenAIErrorToAnthropic(status, bytes) };
    }
    const completion = parseUpstreamJson(bytes, "the upstream's answer") as ChatCompletion;
    if (typeof completion !== "object" || completion === null || !Array.isArray(completion.choices)) {
      throw new UpstreamProtocolError("the upstream's answer is not a chat.completion");
    }
    const model =
      typeof completion.model === "string" && completion.model !== "" ? completion.model : undefined;
    const message = convertChatCompletionToAnthropicMessage(
      completion,
      model ?? this.chat.responseModel ?? this.ctx.requestModel,
    );
    return { status, contentType: "application/json", body: JSON.stringify(message) };
  }

  chunk(chunk: Buffer): string | undefined {
    return this.relay(this.chat.chunk(chunk), false) || undefined;
  }

  end(): string | undefined {
    return this.relay(this.chat.end(), true) || undefined;
  }

  /** OpenAI SSE bytes from the chat translator in, Anthropic SSE out; `last` closes the message. */
  private relay(openai: Buffer | string | undefined, last: boolean): string {
    this.stream ??= {
      reader: new SseReader(),
      events: new ChatChunksToAnthropicEvents(this.ctx.requestModel),
    };
    const { reader, events } = this.stream;
    let out = "";
    if (openai !== undefined && openai.length > 0) {
      const bytes = typeof openai === "string" ? Buffer.from(openai) : openai;
      for (const event of reader.push(bytes)) out += events.push(event.data);
    }
    if (last) {
      for (const event of reader.end()) out += events.push(event.data);
      out += events.end();
    }
    return out;
  }
}
