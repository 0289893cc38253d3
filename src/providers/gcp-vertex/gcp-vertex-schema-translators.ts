import { anthropicMessagesViaChat } from "../openai-from-anthropic/anthropic-messages-via-chat-translator.js";
import type { SchemaTranslators } from "../translator.js";
import { openAIChatGeminiTranslator } from "./openai-chat-gemini-translator.js";
import { openAIEmbeddingsVertexTranslator } from "./openai-embeddings-vertex-translator.js";
import { tokenizeGeminiTranslator } from "./tokenize-gemini-translator.js";

/** What a GCPVertexAI backend (Gemini and the embedding models on Vertex AI) serves. */
export const gcpVertexSchemaTranslators: SchemaTranslators = {
  "openai-chat": openAIChatGeminiTranslator,
  "openai-embeddings": openAIEmbeddingsVertexTranslator,
  "anthropic-messages": anthropicMessagesViaChat(openAIChatGeminiTranslator),
  tokenize: tokenizeGeminiTranslator,
};
