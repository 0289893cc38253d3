import { openAIErrorBody } from "../../api/openai-error.js";
import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import { createdFromDateHeader } from "../created-from-date-header.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { CONVERSE_HEADERS } from "./converse-from-first-party-request.js";
import { type ConverseClientFormat, ConverseResponseTranslator } from "./converse-response-translator.js";
import { ConverseStreamToOpenAIChunks } from "./converse-stream-to-openai-chunks.js";
import { convertConverseToOpenAIResponse } from "./convert-converse-to-openai-response.js";
import { convertOpenAIChatToConverse } from "./convert-openai-chat-to-converse.js";
import { bedrockRequestId } from "./response-id.js";

/** Converse answers said as OpenAI chat completions. */
const OPENAI_CHAT: ConverseClientFormat = {
  errorBody: openAIErrorBody,
  answer: (response, content, ctx, usage) =>
    convertConverseToOpenAIResponse(
      response,
      content,
      {
        id: bedrockRequestId(ctx.headers),
        created: createdFromDateHeader(ctx.headers),
        model: ctx.requestModel,
      },
      usage,
    ),
  stream: (ctx, usage) =>
    new ConverseStreamToOpenAIChunks(
      bedrockRequestId(ctx.headers),
      createdFromDateHeader(ctx.headers),
      ctx.requestModel,
      usage,
    ),
};

/** /v1/chat/completions to AWS Bedrock Converse (`/converse`) or ConverseStream (`/converse-stream`). */
export const openAIChatBedrockTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const converse = convertOpenAIChatToConverse(input.body, input.model);
    return {
      path: bedrockModelPath(input.model, input.stream ? "converse-stream" : "converse"),
      body: JSON.stringify(converse),
      // Bedrock reads beta flags from the body only; a client's header would reach it unfiltered.
      headers: { ...CONVERSE_HEADERS },
    };
  },
  response: (ctx) => new ConverseResponseTranslator(ctx, OPENAI_CHAT),
};
