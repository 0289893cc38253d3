import { AnthropicMessagesPassthroughResponse } from "../anthropic/anthropic-messages-anthropic-translator.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { vertexErrorForAnthropic } from "./read-vertex-error.js";
import { vertexAnthropicMessagesRequest } from "./vertex-anthropic-request.js";

/**
 * /v1/messages to Claude on Vertex (rawPredict / streamRawPredict): the client's body with
 * `anthropic_version` added and `model` moved to the path. Vertex answers exactly what the Anthropic
 * API would (a Message, or Anthropic's SSE), so the answer is relayed as it is while usage is read.
 */
export const anthropicMessagesGCPAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    return vertexAnthropicMessagesRequest(input, input.body);
  },
  response: (ctx) => new AnthropicMessagesPassthroughResponse(ctx, vertexErrorForAnthropic),
};
