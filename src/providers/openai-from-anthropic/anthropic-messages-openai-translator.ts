import { openAIChatTranslator } from "../openai/openai-chat-translator.js";
import type { Translator } from "../translator.js";
import { anthropicMessagesViaChat } from "./anthropic-messages-via-chat-translator.js";

/**
 * /v1/messages to an OpenAI-schema backend: the Messages request becomes a chat completion request
 * that the OpenAI passthrough sends to `<prefix>/chat/completions`; the chat.completion (or its chunk
 * stream) comes back as an Anthropic Message (or Messages stream), and OpenAI errors as Anthropic
 * errors. A 2xx answer that is not a chat.completion, or a stream without a single chunk, is
 * UpstreamProtocolError.
 */
export const anthropicMessagesOpenAITranslator: Translator = anthropicMessagesViaChat(openAIChatTranslator);
