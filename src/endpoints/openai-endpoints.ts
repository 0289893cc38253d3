import { openAIErrorBody } from "../api/openai-error.js";
import type { ClientEndpoint } from "./client-endpoint.js";

const errorBody = (status: number, type: string, message: string) => openAIErrorBody(status, type, message);

export const chatCompletionsEndpoint: ClientEndpoint = {
  api: "openai-chat",
  operation: "chat",
  streams: true,
  errorBody,
};

export const completionsEndpoint: ClientEndpoint = {
  api: "openai-completions",
  operation: "completion",
  streams: true,
  errorBody,
};

export const embeddingsEndpoint: ClientEndpoint = {
  api: "openai-embeddings",
  operation: "embeddings",
  streams: false,
  errorBody,
};

export const imageGenerationsEndpoint: ClientEndpoint = {
  api: "openai-images",
  operation: "image_generation",
  // Partial-image streaming is a gpt-image feature upstream does not translate; passthrough relays it.
  streams: true,
  errorBody,
};
