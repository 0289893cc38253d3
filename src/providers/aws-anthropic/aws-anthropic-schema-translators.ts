import type { SchemaTranslators } from "../translator.js";
import { anthropicCountTokensAWSAnthropicTranslator } from "./anthropic-count-tokens-aws-anthropic-translator.js";
import { anthropicMessagesAWSAnthropicTranslator } from "./anthropic-messages-aws-anthropic-translator.js";
import { openAIChatAWSAnthropicTranslator } from "./openai-chat-aws-anthropic-translator.js";
import { tokenizeAWSAnthropicTranslator } from "./tokenize-aws-anthropic-translator.js";

/** What an AWSAnthropic-schema backend (Claude on Bedrock via InvokeModel) serves. */
export const awsAnthropicSchemaTranslators: SchemaTranslators = {
  "openai-chat": openAIChatAWSAnthropicTranslator,
  "anthropic-messages": anthropicMessagesAWSAnthropicTranslator,
  "anthropic-count-tokens": anthropicCountTokensAWSAnthropicTranslator,
  tokenize: tokenizeAWSAnthropicTranslator,
};
