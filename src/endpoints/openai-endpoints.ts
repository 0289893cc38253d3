import { openAIErrorBody, openAIStreamErrorEvent } from "../api/openai-error.js";
import type { ClientEndpoint } from "./client-endpoint.js";

const envelope = { errorBody: openAIErrorBody, streamErrorEvent: openAIStreamErrorEvent };

export const chatCompletionsEndpoint: ClientEndpoint = {
  api: "openai-chat",
  operation: "chat",
  streams: true,
  ...envelope,
};

export const completionsEndpoint: ClientEndpoint = {
  api: "openai-completions",
  operation: "completion",
  streams: true,
  ...envelope,
};

export const embeddingsEndpoint: ClientEndpoint = {
  api: "openai-embeddings",
  operation: "embeddings",
  streams: false,
  ...envelope,
};

export const imageGenerationsEndpoint: ClientEndpoint = {
  api: "openai-images",
  operation: "image_generation",
  // Partial-image streaming is a gpt-image feature upstream does not translate; passthrough relays it.
  streams: true,
  ...envelope,
};

export const responsesEndpoint: ClientEndpoint = {
  api: "openai-responses",
  operation: "responses",
  streams: true,
  ...envelope,
};

export const responsesInputTokensEndpoint: ClientEndpoint = {
  api: "openai-responses-input-tokens",
  operation: "responses_input_tokens",
  streams: false,
  ...envelope,
};
