import type { SchemaTranslators } from "../translator.js";
import { anthropicCountTokensAnthropicTranslator } from "./anthropic-count-tokens-anthropic-translator.js";
import { anthropicMessagesAnthropicTranslator } from "./anthropic-messages-anthropic-translator.js";
import { openAIChatAnthropicTranslator } from "./openai-chat-anthropic-translator.js";

/** What an Anthropic-schema backend (the Anthropic API) serves. */
export const anthropicSchemaTranslators: SchemaTranslators = {
  "openai-chat": openAIChatAnthropicTranslator,
  "anthropic-messages": anthropicMessagesAnthropicTranslator,
  "anthropic-count-tokens": anthropicCountTokensAnthropicTranslator,
};
