import { anthropicErrorBody } from "../../api/anthropic-error.js";
import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import { mapBedrockErrorToAnthropicType } from "../aws/map-bedrock-error-to-anthropic-type.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { CONVERSE_HEADERS, converseFromFirstPartyRequest } from "./converse-from-first-party-request.js";
import { type ConverseClientFormat, ConverseResponseTranslator } from "./converse-response-translator.js";
import { ConverseStreamToAnthropicEvents } from "./converse-stream-to-anthropic-events.js";
import { convertConverseToAnthropicResponse } from "./convert-converse-to-anthropic-response.js";
import { bedrockRequestId } from "./response-id.js";

/** Converse answers said as Anthropic Messages. */
const ANTHROPIC_MESSAGES: ConverseClientFormat = {
  errorBody: (status, type, message) =>
    anthropicErrorBody(mapBedrockErrorToAnthropicType(type, status), message),
  answer: (response, content, ctx, usage) =>
    convertConverseToAnthropicResponse(
      response,
      content,
      { id: bedrockRequestId(ctx.headers), model: ctx.requestModel },
      usage,
    ),
  stream: (ctx, usage) =>
    new ConverseStreamToAnthropicEvents(bedrockRequestId(ctx.headers), ctx.requestModel, usage),
};

/** /anthropic/v1/messages to AWS Bedrock Converse / ConverseStream, for any Bedrock model. */
export const anthropicMessagesBedrockTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const { request, notices } = converseFromFirstPartyRequest(input);
    return {
      path: bedrockModelPath(input.model, input.stream ? "converse-stream" : "converse"),
      body: JSON.stringify(request),
      headers: { ...CONVERSE_HEADERS },
      notices,
    };
  },
  response: (ctx) => new ConverseResponseTranslator(ctx, ANTHROPIC_MESSAGES),
};
