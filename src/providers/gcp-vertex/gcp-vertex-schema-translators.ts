import { anthropicMessagesViaChat } from "../openai-from-anthropic/anthropic-messages-via-chat-translator.js";
import type { SchemaTranslators } from "../translator.js";
import { openAIChatGeminiTranslator } from "./openai-chat-gemini-translator.js";
import { openAIEmbeddingsVertexTranslator } from "./openai-embeddings-vertex-translator.js";
import { tokenizeGeminiTranslator } from "./tokenize-gemini-translator.js";

/** What a GCPVertexAI backend (Gemini and the embedding models on Vertex AI) serves. */
export const gcpVertexSchemaTranslators: SchemaTranslators = {
  "openai-chat": openAIChatGeminiTranslator,
  "openai-embeddings": openAIEmbeddingsVertexTranslator,
  // Gemini reads Anthropic's `thinking` object (as thinkingConfig), so Messages clients keep it.
  "anthropic-messages": anthropicMessagesViaChat(openAIChatGeminiTranslator, { keepThinking: true }),
  tokenize: tokenizeGeminiTranslator,
};
