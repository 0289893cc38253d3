import { anthropicCountTokensFromBedrock } from "../aws/anthropic-count-tokens-from-bedrock.js";
import { bedrockCountTokensPath } from "../aws/bedrock-count-tokens-path.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { Translator } from "../translator.js";
import { INVOKE_MODEL_HEADERS, invokeModelBody } from "./invoke-model-body.js";

/**
 * /v1/messages/count_tokens to Claude on Bedrock: Bedrock's CountTokens in its InvokeModel form,
 * `{"input":{"invokeModel":{"body":"<base64 of the InvokeModel body>"}}}` (the body is a blob, which
 * AWS's JSON protocol carries as base64). The body is the one /v1/messages would send, so the count
 * covers exactly what a Messages call would (system, tools, thinking blocks, betas).
 */
export const anthropicCountTokensAWSAnthropicTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const { body, notices } = invokeModelBody(input);
    // CountTokens validates the body as InvokeModel would, and InvokeModel requires max_tokens, which
    // a count_tokens request does not have. It counts no input token, so the smallest value Claude
    // accepts is sent: 1, or one more than the thinking budget, which max_tokens must exceed.
    if (body.max_tokens === undefined) body.max_tokens = thinkingBudget(body.thinking) + 1;
    const invokeModel = { body: Buffer.from(JSON.stringify(body), "utf8").toString("base64") };
    return {
      path: bedrockCountTokensPath(input.model),
      body: JSON.stringify({ input: { invokeModel } }),
      headers: { ...INVOKE_MODEL_HEADERS },
      notices,
    };
  },
  response: anthropicCountTokensFromBedrock,
};

function thinkingBudget(thinking: unknown): number {
  const config = thinking as { type?: unknown; budget_tokens?: unknown } | null | undefined;
  return config?.type === "enabled" && typeof config.budget_tokens === "number" ? config.budget_tokens : 0;
}
