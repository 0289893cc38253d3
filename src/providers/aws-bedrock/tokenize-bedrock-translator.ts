import { bedrockCountTokensPath } from "../aws/bedrock-count-tokens-path.js";
import { openAIErrorFromBedrock } from "../aws/openai-error-from-bedrock.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import { tokenizeCountAnswer } from "../tokenize/tokenize-count-answer.js";
import { readTokenizeInput } from "../tokenize/tokenize-request.js";
import type { Translator } from "../translator.js";
import type { ConverseMessage, ConverseSystemBlock } from "./converse-types.js";
import { convertOpenAIMessagesToConverse } from "./convert-openai-messages-to-converse.js";

/**
 * /tokenize to any Bedrock model: Bedrock's CountTokens in its Converse form. Chat messages take the
 * same OpenAI -> Converse conversion as /v1/chat/completions, so the count covers what a chat call
 * would send; a prompt is one user message. The answer is `{"count": N}`.
 */
export const tokenizeBedrockTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const tokenize = readTokenizeInput(input.body);
    const converse: { messages: ConverseMessage[]; system?: ConverseSystemBlock[] } = { messages: [] };
    if (tokenize.kind === "prompt") {
      converse.messages.push({ role: "user", content: [{ text: tokenize.prompt }] });
    } else {
      const conversation = convertOpenAIMessagesToConverse(tokenize.messages);
      converse.messages = conversation.messages;
      if (conversation.system.length > 0) converse.system = conversation.system;
    }
    return { path: bedrockCountTokensPath(input.model), body: JSON.stringify({ input: { converse } }) };
  },
  response: (ctx) =>
    tokenizeCountAnswer(
      ctx,
      "AWS Bedrock's CountTokens answer",
      (a) => a.inputTokens,
      openAIErrorFromBedrock,
    ),
};
