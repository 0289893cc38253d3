import { openAIErrorBody } from "../../api/openai-error.js";
import { ChatCompletionFromAnthropicResponse } from "../anthropic/chat-completion-from-anthropic-response.js";
import { convertOpenAIRequestToAnthropic } from "../anthropic/convert-openai-request-to-anthropic.js";
import { readBedrockError } from "../aws/read-bedrock-error.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { BedrockInvokeStream } from "./bedrock-invoke-stream.js";
import { INVOKE_MODEL_HEADERS } from "./invoke-model-body.js";
import { bedrockAnthropicVersion, invokeModelPath } from "./invoke-model-target.js";

/**
 * /v1/chat/completions to Claude on Bedrock (InvokeModel): the same chat -> Messages translation as
 * for the Anthropic API, with the model in the path and Bedrock's `anthropic_version` in the body
 * instead of `model` and `stream`. Errors keep Bedrock's error type (`x-amzn-errortype`).
 */
export const openAIChatAWSAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const params = convertOpenAIRequestToAnthropic(input.body, {
      anthropic_version: bedrockAnthropicVersion(input.schema),
    });
    return {
      path: invokeModelPath(input.model, input.stream),
      body: JSON.stringify(params),
      // Bedrock reads beta flags from the body only; a client's header would reach it unfiltered.
      headers: { ...INVOKE_MODEL_HEADERS },
    };
  },
  response: (ctx) =>
    new ChatCompletionFromAnthropicResponse(ctx, {
      events: () => {
        const stream = new BedrockInvokeStream();
        return {
          push: (chunk) => stream.push(chunk).map((decoded) => decoded.event),
          end: () => {
            stream.end();
            return [];
          },
        };
      },
      errorBody: (status, headers, body) => {
        const error = readBedrockError(headers, body);
        return openAIErrorBody(status, error.type, error.message);
      },
    }),
};
