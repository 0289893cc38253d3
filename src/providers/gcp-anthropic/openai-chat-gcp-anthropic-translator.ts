import { AnthropicSseEvents } from "../anthropic/anthropic-sse-events.js";
import { ChatCompletionFromAnthropicResponse } from "../anthropic/chat-completion-from-anthropic-response.js";
import { convertOpenAIRequestToAnthropic } from "../anthropic/convert-openai-request-to-anthropic.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { vertexErrorForOpenAI } from "./read-vertex-error.js";
import { vertexAnthropicMessagesRequest } from "./vertex-anthropic-request.js";

/**
 * /v1/chat/completions to Claude on Vertex: the same chat -> Messages translation as for the
 * Anthropic API and Bedrock, sent as Vertex takes Messages. The answer is Anthropic's (a Message or
 * its SSE) and is translated back to chat completions.
 */
export const openAIChatGCPAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const params = convertOpenAIRequestToAnthropic(input.body, {});
    if (input.stream) params.stream = true;
    return vertexAnthropicMessagesRequest(input, params);
  },
  response: (ctx) =>
    new ChatCompletionFromAnthropicResponse(ctx, {
      events: () => new AnthropicSseEvents(),
      errorBody: (status, _headers, body) => vertexErrorForOpenAI(status, body),
    }),
};
