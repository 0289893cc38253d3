import { countTokensEndpoint, messagesEndpoint } from "./anthropic-endpoints.js";
import type { ClientEndpoint } from "./client-endpoint.js";
import { rerankEndpoint } from "./cohere-endpoints.js";
import {
  chatCompletionsEndpoint,
  completionsEndpoint,
  embeddingsEndpoint,
  imageGenerationsEndpoint,
  responsesEndpoint,
  responsesInputTokensEndpoint,
  speechEndpoint,
  tokenizeEndpoint,
  transcriptionsEndpoint,
  translationsEndpoint,
} from "./openai-endpoints.js";

/**
 * POST paths the gateway serves, looked up once per request by exact path. The Anthropic API is
 * served under /anthropic (upstream's prefix) and at the root so ANTHROPIC_BASE_URL=<gateway> works.
 */
export const POST_ENDPOINTS: ReadonlyMap<string, ClientEndpoint> = new Map([
  ["/v1/chat/completions", chatCompletionsEndpoint],
  ["/v1/completions", completionsEndpoint],
  ["/v1/embeddings", embeddingsEndpoint],
  ["/v1/images/generations", imageGenerationsEndpoint],
  ["/v1/responses", responsesEndpoint],
  ["/v1/responses/input_tokens", responsesInputTokensEndpoint],
  ["/v1/audio/speech", speechEndpoint],
  ["/v1/audio/transcriptions", transcriptionsEndpoint],
  ["/v1/audio/translations", translationsEndpoint],
  ["/tokenize", tokenizeEndpoint],
  ["/anthropic/v1/messages", messagesEndpoint],
  ["/v1/messages", messagesEndpoint],
  ["/anthropic/v1/messages/count_tokens", countTokensEndpoint],
  ["/v1/messages/count_tokens", countTokensEndpoint],
  ["/cohere/v2/rerank", rerankEndpoint],
]);
