import type { Translator } from "../translator.js";
import { openAIPassthroughRequest } from "./openai-passthrough-request.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

/** /v1/images/generations to an OpenAI-compatible backend. */
export const openAIImagesTranslator: Translator = {
  request: (input) => openAIPassthroughRequest(input, "/images/generations", false),
  response: openAIPassthroughResponse,
};
