import { anthropicCountTokensAnthropicTranslator } from "./anthropic/anthropic-count-tokens-anthropic-translator.js";
import { anthropicMessagesAnthropicTranslator } from "./anthropic/anthropic-messages-anthropic-translator.js";
import { openAIChatAnthropicTranslator } from "./anthropic/openai-chat-anthropic-translator.js";
import { anthropicCountTokensAWSAnthropicTranslator } from "./aws-anthropic/anthropic-count-tokens-aws-anthropic-translator.js";
import { anthropicMessagesAWSAnthropicTranslator } from "./aws-anthropic/anthropic-messages-aws-anthropic-translator.js";
import { openAIChatAWSAnthropicTranslator } from "./aws-anthropic/openai-chat-aws-anthropic-translator.js";
import { anthropicCountTokensBedrockTranslator } from "./aws-bedrock/anthropic-count-tokens-bedrock-translator.js";
import { anthropicMessagesBedrockTranslator } from "./aws-bedrock/anthropic-messages-bedrock-translator.js";
import { openAIChatBedrockTranslator } from "./aws-bedrock/openai-chat-bedrock-translator.js";
import { openAIEmbeddingsTitanTranslator } from "./aws-bedrock/openai-embeddings-titan-translator.js";
import { openAIChatTranslator } from "./openai/openai-chat-translator.js";
import { openAICompletionsTranslator } from "./openai/openai-completions-translator.js";
import { openAIEmbeddingsTranslator } from "./openai/openai-embeddings-translator.js";
import { openAIImagesTranslator } from "./openai/openai-images-translator.js";
import { anthropicMessagesOpenAITranslator } from "./openai-from-anthropic/anthropic-messages-openai-translator.js";
import type { BackendSchemaName, ClientApi, Translator } from "./translator.js";

/**
 * Which translator serves which (client API, backend schema) pair. A missing pair means the backend
 * cannot serve that endpoint; the gateway answers with the client API's error.
 * Add one line per new translator.
 */
const translators: Record<ClientApi, Partial<Record<BackendSchemaName, Translator>>> = {
  "openai-chat": {
    OpenAI: openAIChatTranslator,
    Anthropic: openAIChatAnthropicTranslator,
    AWSAnthropic: openAIChatAWSAnthropicTranslator,
    AWSBedrock: openAIChatBedrockTranslator,
  },
  "openai-completions": {
    OpenAI: openAICompletionsTranslator,
  },
  "openai-embeddings": {
    OpenAI: openAIEmbeddingsTranslator,
    AWSBedrock: openAIEmbeddingsTitanTranslator,
  },
  "openai-images": {
    OpenAI: openAIImagesTranslator,
  },
  "anthropic-messages": {
    Anthropic: anthropicMessagesAnthropicTranslator,
    OpenAI: anthropicMessagesOpenAITranslator,
    AWSAnthropic: anthropicMessagesAWSAnthropicTranslator,
    AWSBedrock: anthropicMessagesBedrockTranslator,
  },
  "anthropic-count-tokens": {
    Anthropic: anthropicCountTokensAnthropicTranslator,
    AWSAnthropic: anthropicCountTokensAWSAnthropicTranslator,
    AWSBedrock: anthropicCountTokensBedrockTranslator,
  },
};

export function translatorFor(api: ClientApi, schema: BackendSchemaName): Translator | undefined {
  return translators[api][schema];
}
