import { anthropicMessagesOpenAITranslator } from "../openai-from-anthropic/anthropic-messages-openai-translator.js";
import type { SchemaTranslators } from "../translator.js";
import { openAIChatTranslator } from "./openai-chat-translator.js";
import { openAICompletionsTranslator } from "./openai-completions-translator.js";
import { openAIEmbeddingsTranslator } from "./openai-embeddings-translator.js";
import { openAIImagesTranslator } from "./openai-images-translator.js";
import { openAIResponsesInputTokensTranslator } from "./openai-responses-input-tokens-translator.js";
import { openAIResponsesTranslator } from "./openai-responses-translator.js";
import { openAISpeechTranslator } from "./openai-speech-translator.js";
import {
  openAITranscriptionsTranslator,
  openAITranslationsTranslator,
} from "./openai-transcriptions-translator.js";
import { tokenizeOpenAITranslator } from "./tokenize-openai-translator.js";

/** What an OpenAI-schema backend (OpenAI, vLLM, Ollama, Groq, ...) serves. */
export const openAISchemaTranslators: SchemaTranslators = {
  "openai-chat": openAIChatTranslator,
  "openai-completions": openAICompletionsTranslator,
  "openai-embeddings": openAIEmbeddingsTranslator,
  "openai-images": openAIImagesTranslator,
  "openai-responses": openAIResponsesTranslator,
  "openai-responses-input-tokens": openAIResponsesInputTokensTranslator,
  "openai-audio-speech": openAISpeechTranslator,
  "openai-audio-transcriptions": openAITranscriptionsTranslator,
  "openai-audio-translations": openAITranslationsTranslator,
  tokenize: tokenizeOpenAITranslator,
  "anthropic-messages": anthropicMessagesOpenAITranslator,
};
