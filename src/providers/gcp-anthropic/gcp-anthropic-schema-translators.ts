import type { SchemaTranslators } from "../translator.js";
import { anthropicCountTokensGCPAnthropicTranslator } from "./anthropic-count-tokens-gcp-anthropic-translator.js";
import { anthropicMessagesGCPAnthropicTranslator } from "./anthropic-messages-gcp-anthropic-translator.js";
import { openAIChatGCPAnthropicTranslator } from "./openai-chat-gcp-anthropic-translator.js";
import { tokenizeGCPAnthropicTranslator } from "./tokenize-gcp-anthropic-translator.js";

/** What a GCPAnthropic-schema backend (Claude on Vertex AI) serves. */
export const gcpAnthropicSchemaTranslators: SchemaTranslators = {
  "openai-chat": openAIChatGCPAnthropicTranslator,
  "anthropic-messages": anthropicMessagesGCPAnthropicTranslator,
  "anthropic-count-tokens": anthropicCountTokensGCPAnthropicTranslator,
  tokenize: tokenizeGCPAnthropicTranslator,
};
