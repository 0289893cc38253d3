import { inputTokensResponse } from "../openai/input-tokens-response.js";
import { openAIPassthroughRequest } from "../openai/openai-passthrough-request.js";
import { openAIPassthroughResponse } from "../openai/openai-passthrough-response.js";
import { responsesPassthroughResponse } from "../openai/responses-passthrough-response.js";
import { anthropicMessagesViaChat } from "../openai-from-anthropic/anthropic-messages-via-chat-translator.js";
import type { SchemaTranslators, Translator } from "../translator.js";
import { azureDeploymentRequest } from "./azure-deployment-request.js";
import { azureApiPath } from "./azure-openai-path.js";

/**
 * Azure OpenAI speaks OpenAI's wire format (its answers and its errors are OpenAI-shaped), so every
 * response side is the OpenAI passthrough's; only the paths differ (azure-openai-path.ts).
 */

export const azureChatTranslator: Translator = {
  request: (input) => azureDeploymentRequest(input, "/chat/completions", input.forceIncludeUsage),
  response: openAIPassthroughResponse,
};

export const azureCompletionsTranslator: Translator = {
  request: (input) => azureDeploymentRequest(input, "/completions", input.forceIncludeUsage),
  response: openAIPassthroughResponse,
};

export const azureEmbeddingsTranslator: Translator = {
  request: (input) => azureDeploymentRequest(input, "/embeddings", false),
  response: openAIPassthroughResponse,
};

/** DALL-E and gpt-image deployments: `/openai/deployments/<deployment>/images/generations`. */
export const azureImagesTranslator: Translator = {
  request: (input) => azureDeploymentRequest(input, "/images/generations", false),
  response: openAIPassthroughResponse,
};

/**
 * The Responses API names the deployment in the body's `model`, so here modelNameOverride does
 * rewrite the body (as for OpenAI), and the path is the resource's `/openai/responses`.
 */
export const azureResponsesTranslator: Translator = {
  request: (input) => ({
    ...openAIPassthroughRequest(input, "/responses", false),
    path: azureApiPath(input.schema, "/responses"),
  }),
  response: responsesPassthroughResponse,
};

export const azureResponsesInputTokensTranslator: Translator = {
  request: (input) => ({
    ...openAIPassthroughRequest(input, "/responses/input_tokens", false),
    path: azureApiPath(input.schema, "/responses/input_tokens"),
  }),
  response: inputTokensResponse,
};

/** What an AzureOpenAI-schema backend serves. */
export const azureOpenAISchemaTranslators: SchemaTranslators = {
  "openai-chat": azureChatTranslator,
  "openai-completions": azureCompletionsTranslator,
  "openai-embeddings": azureEmbeddingsTranslator,
  "openai-images": azureImagesTranslator,
  "openai-responses": azureResponsesTranslator,
  "openai-responses-input-tokens": azureResponsesInputTokensTranslator,
  // Anthropic Messages clients: the Messages body as a chat body, sent by the chat translator above.
  "anthropic-messages": anthropicMessagesViaChat(azureChatTranslator),
};
