import { countTokensPassthroughResponse } from "../anthropic/anthropic-count-tokens-anthropic-translator.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { vertexErrorForAnthropic } from "./read-vertex-error.js";
import { vertexAnthropicCountTokensRequest } from "./vertex-anthropic-request.js";

/**
 * /v1/messages/count_tokens to Claude on Vertex (`count-tokens:rawPredict`). Vertex answers
 * `{"input_tokens": N}` as the Anthropic API does; the count is reported as input usage.
 */
export const anthropicCountTokensGCPAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    return vertexAnthropicCountTokensRequest(input);
  },
  response: (ctx) => countTokensPassthroughResponse(ctx, vertexErrorForAnthropic),
};
