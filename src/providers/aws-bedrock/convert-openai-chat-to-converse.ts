import type { ConverseInferenceConfig, ConverseRequest } from "./converse-types.js";
import { convertOpenAIMessagesToConverse } from "./convert-openai-messages-to-converse.js";
import { convertOpenAIToolsToConverse } from "./convert-openai-tools-to-converse.js";

type Json = Record<string, unknown>;

/**
 * An OpenAI chat completions request as a Converse request body. Fields Converse cannot express
 * (n, logprobs, seed, response_format, ...) are not sent; the model id travels in the path.
 */
export function convertOpenAIChatToConverse(body: Json, model: string): ConverseRequest {
  const conversation = convertOpenAIMessagesToConverse(body.messages);
  const request: ConverseRequest = { messages: conversation.messages };
  if (conversation.system.length > 0) request.system = conversation.system;

  const inference: ConverseInferenceConfig = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === "number") inference.maxTokens = maxTokens;
  if (typeof body.temperature === "number") inference.temperature = body.temperature;
  if (typeof body.top_p === "number") inference.topP = body.top_p;
  if (typeof body.stop === "string") inference.stopSequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) inference.stopSequences = body.stop as string[];
  if (Object.keys(inference).length > 0) request.inferenceConfig = inference;

  const toolConfig = convertOpenAIToolsToConverse(
    body.tools,
    body.tool_choice,
    model,
    conversation.hasToolBlocks,
  );
  if (toolConfig !== undefined) request.toolConfig = toolConfig;

  // Model-specific knobs ride in additionalModelRequestFields: Claude's `thinking` object as is,
  // and reasoning_effort as `reasoning_config` (Nova, GLM and others read it there).
  let additional: Json | undefined;
  if (typeof body.thinking === "object" && body.thinking !== null) {
    additional = { thinking: body.thinking };
  }
  if (typeof body.reasoning_effort === "string") {
    additional ??= {};
    additional.reasoning_config = body.reasoning_effort;
  }
  if (additional !== undefined) request.additionalModelRequestFields = additional;

  // OpenAI's "auto" is Bedrock's default tier; other names (priority, flex, default) match.
  if (typeof body.service_tier === "string" && body.service_tier !== "auto") {
    request.serviceTier = { type: body.service_tier };
  }
  return request;
}
