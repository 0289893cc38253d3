import { refuseDeepRequest } from "../json-depth-limit.js";
import { openAIPath } from "../openai/openai-path.js";
import type { Translator } from "../translator.js";
import { AnthropicSseEvents } from "./anthropic-sse-events.js";
import { PINNED_ANTHROPIC_VERSION } from "./anthropic-version.js";
import { ChatCompletionFromAnthropicResponse } from "./chat-completion-from-anthropic-response.js";
import { convertAnthropicErrorToOpenAI } from "./convert-anthropic-error-to-openai.js";
import { convertOpenAIRequestToAnthropic } from "./convert-openai-request-to-anthropic.js";

/** The error type for Anthropic error answers that are not Anthropic's JSON error. */
const ANTHROPIC_BACKEND_ERROR = "AnthropicBackendError";

/**
 * /v1/chat/completions to the Anthropic Messages API (`<prefix>/messages`, prefix default /v1).
 * The translated body is written for one API version and says so in `anthropic-version`, whatever
 * version header the client may have sent.
 */
export const openAIChatAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const params = convertOpenAIRequestToAnthropic(input.body, { model: input.model });
    if (input.stream) params.stream = true;
    return {
      path: openAIPath(input.schema, "/messages"),
      body: JSON.stringify(params),
      headers: { "anthropic-version": PINNED_ANTHROPIC_VERSION },
    };
  },
  response: (ctx) =>
    new ChatCompletionFromAnthropicResponse(ctx, {
      events: () => new AnthropicSseEvents(),
      errorBody: (status, _headers, body) =>
        convertAnthropicErrorToOpenAI(status, body, ANTHROPIC_BACKEND_ERROR),
    }),
};
