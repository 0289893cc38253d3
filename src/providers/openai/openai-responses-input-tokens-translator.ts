import type { Translator } from "../translator.js";
import { inputTokensResponse } from "./input-tokens-response.js";
import { openAIPassthroughRequest } from "./openai-passthrough-request.js";

/** /v1/responses/input_tokens to an OpenAI-compatible backend: `<prefix>/responses/input_tokens`. */
export const openAIResponsesInputTokensTranslator: Translator = {
  request: (input) => openAIPassthroughRequest(input, "/responses/input_tokens", false),
  response: inputTokensResponse,
};
