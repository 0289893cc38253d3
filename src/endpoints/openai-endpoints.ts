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

export const speechEndpoint: ClientEndpoint = {
  api: "openai-audio-speech",
  operation: "speech",
  streams: true,
  alwaysStreams: true,
  ...envelope,
};

export const transcriptionsEndpoint: ClientEndpoint = {
  api: "openai-audio-transcriptions",
  operation: "transcription",
  // `stream=true` (a form field) answers transcript.text.* events.
  streams: true,
  bodyFormat: "multipart",
  ...envelope,
};

export const translationsEndpoint: ClientEndpoint = {
  api: "openai-audio-translations",
  operation: "translation",
  streams: false,
  bodyFormat: "multipart",
  ...envelope,
};

export const tokenizeEndpoint: ClientEndpoint = {
  api: "tokenize",
  operation: "tokenize",
  streams: false,
  ...envelope,
};
