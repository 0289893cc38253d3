import type { Translator } from "../translator.js";
import { openAIPassthroughRequest } from "./openai-passthrough-request.js";
import { openAIPassthroughResponse } from "./openai-passthrough-response.js";

/** /v1/completions (legacy text completions) to an OpenAI-compatible backend. */
export const openAICompletionsTranslator: Translator = {
  request: (input) => openAIPassthroughRequest(input, "/completions", input.forceIncludeUsage),
  response: openAIPassthroughResponse,
};
