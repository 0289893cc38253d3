import type { SchemaTranslators } from "../translator.js";
import { anthropicCountTokensBedrockTranslator } from "./anthropic-count-tokens-bedrock-translator.js";
import { anthropicMessagesBedrockTranslator } from "./anthropic-messages-bedrock-translator.js";
import { openAIChatBedrockTranslator } from "./openai-chat-bedrock-translator.js";
import { openAIEmbeddingsTitanTranslator } from "./openai-embeddings-titan-translator.js";
import { tokenizeBedrockTranslator } from "./tokenize-bedrock-translator.js";

/** What an AWSBedrock-schema backend (Converse for any model, Titan embeddings) serves. */
export const bedrockSchemaTranslators: SchemaTranslators = {
  "openai-chat": openAIChatBedrockTranslator,
  "openai-embeddings": openAIEmbeddingsTitanTranslator,
  "anthropic-messages": anthropicMessagesBedrockTranslator,
  "anthropic-count-tokens": anthropicCountTokensBedrockTranslator,
  tokenize: tokenizeBedrockTranslator,
};
