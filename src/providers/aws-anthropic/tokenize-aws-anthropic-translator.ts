import { convertOpenAIMessagesToAnthropic } from "../anthropic/convert-openai-messages-to-anthropic.js";
import { bedrockCountTokensPath } from "../aws/bedrock-count-tokens-path.js";
import { openAIErrorFromBedrock } from "../aws/openai-error-from-bedrock.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import { tokenizeCountAnswer } from "../tokenize/tokenize-count-answer.js";
import { readTokenizeInput } from "../tokenize/tokenize-request.js";
import type { Translator } from "../translator.js";
import { bedrockAnthropicVersion } from "./invoke-model-target.js";

/**
 * /tokenize to Claude on Bedrock: CountTokens in its InvokeModel form, the body an Anthropic Messages
 * body (base64, as AWS's JSON protocol carries a blob) converted from the chat messages as
 * /v1/chat/completions converts them; a prompt is one user message. `max_tokens`, which InvokeModel
 * validation requires and which counts no input, is the smallest Claude accepts (1). Answers
 * `{"count": N}`.
 */
export const tokenizeAWSAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const tokenize = readTokenizeInput(input.body);
    const body: Record<string, unknown> = { anthropic_version: bedrockAnthropicVersion(input.schema) };
    if (tokenize.kind === "prompt") {
      body.messages = [{ role: "user", content: tokenize.prompt }];
    } else {
      const prompt = convertOpenAIMessagesToAnthropic(tokenize.messages);
      if (prompt.system.length > 0) body.system = prompt.system;
      body.messages = prompt.messages;
    }
    body.max_tokens = 1;
    const invokeModel = { body: Buffer.from(JSON.stringify(body), "utf8").toString("base64") };
    return { path: bedrockCountTokensPath(input.model), body: JSON.stringify({ input: { invokeModel } }) };
  },
  response: (ctx) =>
    tokenizeCountAnswer(
      ctx,
      "AWS Bedrock's CountTokens answer",
      (a) => a.inputTokens,
      openAIErrorFromBedrock,
    ),
};
