import { convertOpenAIMessagesToAnthropic } from "../anthropic/convert-openai-messages-to-anthropic.js";
import { convertOpenAIToolsToAnthropic } from "../anthropic/convert-openai-tools-to-anthropic.js";
import { BufferedJsonResponse, countAnswer } from "../buffered-json-response.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import { tokenCount } from "../token-count.js";
import { InvalidRequestError, type Translator, UpstreamProtocolError } from "../translator.js";
import { vertexErrorForOpenAI } from "./read-vertex-error.js";
import { vertexAnthropicCountTokensRequest } from "./vertex-anthropic-request.js";

/**
 * /tokenize (vLLM's request shape) to Claude on Vertex's `count-tokens:rawPredict`, answered
 * `{"count": N}` from `input_tokens`. A `prompt` string is counted as one user turn; `messages` (and
 * `tools`) as the chat request they would be, through the chat -> Messages conversion. N is recorded
 * as the request's input tokens. Errors come in the OpenAI envelope.
 */
export const tokenizeGCPAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const body = input.body;
    const params: Record<string, unknown> = {};
    if (typeof body.prompt === "string") {
      params.messages = [{ role: "user", content: body.prompt }];
    } else if (Array.isArray(body.messages)) {
      const { system, messages } = convertOpenAIMessagesToAnthropic(body.messages);
      params.messages = messages;
      if (system.length > 0) params.system = system;
      const tools = convertOpenAIToolsToAnthropic(body.tools, undefined, undefined);
      if (tools) params.tools = tools.tools;
    } else {
      throw new InvalidRequestError("tokenize needs `prompt` (a string) or `messages`", 400);
    }
    return vertexAnthropicCountTokensRequest({ ...input, body: params });
  },
  response: (ctx) => new TokenizeResponse(ctx),
};

class TokenizeResponse extends BufferedJsonResponse {
  protected errorBody(status: number, body: Buffer): string {
    return vertexErrorForOpenAI(status, body);
  }

  protected answerBody(body: Buffer): string {
    const answer = parseUpstreamJson(body, "Claude on Vertex's answer") as { input_tokens?: unknown } | null;
    if (typeof answer !== "object" || answer === null || typeof answer.input_tokens !== "number")
      throw new UpstreamProtocolError("Claude on Vertex's count-tokens answer has no input_tokens");
    return countAnswer(this, tokenCount(answer.input_tokens));
  }
}
