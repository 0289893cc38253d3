import { openAIPassthroughRequest } from "../openai/openai-passthrough-request.js";
import { openAIPassthroughResponse } from "../openai/openai-passthrough-response.js";
import type {
  ResponseContext,
  ResponseTranslator,
  TranslateRequestInput,
  Translator,
  UpstreamRequest,
} from "../translator.js";
import { cohereErrorToOpenAI } from "./cohere-error-to-openai.js";

/**
 * Cohere's Compatibility API: OpenAI's chat completions and embeddings under a fixed prefix on
 * Cohere's own host, authenticated with the Cohere key as a bearer token. Its requests and answers
 * are OpenAI's shapes (errors included), so the OpenAI passthrough serves it; only the path differs.
 * `schema.prefix` is not read: on the Cohere schema it is not a documented field (the version is).
 * Cohere's own error bodies are put in the OpenAI envelope (cohere-error-to-openai.ts).
 */
const COMPATIBILITY_PREFIX = "/compatibility/v1";

function compatibilityRequest(
  input: TranslateRequestInput,
  suffix: string,
  forceUsage: boolean,
): UpstreamRequest {
  const upstream = openAIPassthroughRequest(input, suffix, forceUsage);
  upstream.path = COMPATIBILITY_PREFIX + suffix;
  return upstream;
}

/** The passthrough's response side, with Cohere-shaped errors re-enveloped for OpenAI clients. */
function compatibilityResponse(ctx: ResponseContext): ResponseTranslator {
  const passthrough = openAIPassthroughResponse(ctx);
  if (ctx.status < 400) return passthrough;
  const body = passthrough.body.bind(passthrough);
  passthrough.body = (bytes) => cohereErrorToOpenAI(ctx.status, bytes) ?? body(bytes);
  return passthrough;
}

/** /v1/chat/completions to `/compatibility/v1/chat/completions` (streams included). */
export const cohereChatTranslator: Translator = {
  request: (input) => compatibilityRequest(input, "/chat/completions", input.forceIncludeUsage),
  response: compatibilityResponse,
};

/** /v1/embeddings to `/compatibility/v1/embeddings`; never streamed. */
export const cohereEmbeddingsTranslator: Translator = {
  request: (input) => compatibilityRequest(input, "/embeddings", false),
  response: compatibilityResponse,
};
