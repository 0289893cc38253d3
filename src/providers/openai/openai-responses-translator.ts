import type { Translator } from "../translator.js";
import { openAIPassthroughRequest } from "./openai-passthrough-request.js";
import { responsesPassthroughResponse } from "./responses-passthrough-response.js";

/**
 * /v1/responses to an OpenAI-compatible backend: `<prefix>/responses`, the body as sent (only `model`
 * replaced under modelNameOverride). Usage is never forced: a Responses stream always ends with the
 * usage in `response.completed`, and the API has no `stream_options.include_usage` to ask for it.
 */
export const openAIResponsesTranslator: Translator = {
  request: (input) => openAIPassthroughRequest(input, "/responses", false),
  response: responsesPassthroughResponse,
};
