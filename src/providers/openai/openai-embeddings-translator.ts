import type { Translator } from "../translator.js";
import { openAIPassthroughRequest } from "./openai-passthrough-request.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

/** /v1/embeddings to an OpenAI-compatible backend; never streamed. */
export const openAIEmbeddingsTranslator: Translator = {
  request: (input) => openAIPassthroughRequest(input, "/embeddings", false),
  response: openAIPassthroughResponse,
};
