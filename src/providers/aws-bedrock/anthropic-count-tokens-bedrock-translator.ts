import { anthropicCountTokensFromBedrock } from "../aws/anthropic-count-tokens-from-bedrock.js";
import { bedrockCountTokensPath } from "../aws/bedrock-count-tokens-path.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { CONVERSE_HEADERS, converseFromFirstPartyRequest } from "./converse-from-first-party-request.js";
import type { ConverseRequest } from "./converse-types.js";

/**
 * The members of a Converse request that Bedrock's CountTokens takes (ConverseTokensRequest);
 * inferenceConfig and the other Converse members are not among them, and none of those holds input.
 */
type ConverseTokensRequest = Pick<
  ConverseRequest,
  "messages" | "system" | "toolConfig" | "additionalModelRequestFields"
>;

/**
 * /v1/messages/count_tokens to any Bedrock model: Bedrock's CountTokens in its Converse form,
 * `{"input":{"converse":{...}}}`, built by the same Messages -> Converse conversion as /v1/messages,
 * so the count covers what a Messages call would send.
 */
export const anthropicCountTokensBedrockTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const { request, notices } = converseFromFirstPartyRequest(input);
    const { messages, system, toolConfig, additionalModelRequestFields } = request;
    const converse: ConverseTokensRequest = { messages };
    if (system !== undefined) converse.system = system;
    if (toolConfig !== undefined) converse.toolConfig = toolConfig;
    if (additionalModelRequestFields !== undefined)
      converse.additionalModelRequestFields = additionalModelRequestFields;
    return {
      path: bedrockCountTokensPath(input.model),
      body: JSON.stringify({ input: { converse } }),
      headers: { ...CONVERSE_HEADERS },
      notices,
    };
  },
  response: anthropicCountTokensFromBedrock,
};
