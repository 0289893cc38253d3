import type { ConverseInferenceConfig, ConverseRequest } from "./converse-types.js";
import { convertAnthropicMessagesToConverse } from "./convert-anthropic-messages-to-converse.js";
import { convertAnthropicToolsToConverse } from "./convert-anthropic-tools-to-converse.js";

type Json = Record<string, unknown>;

/** An Anthropic Messages request as a Converse request body (the model id travels in the path). */
export function convertAnthropicRequestToConverse(body: Json): ConverseRequest {
  const conversation = convertAnthropicMessagesToConverse(body.system, body.messages);
  const request: ConverseRequest = { messages: conversation.messages };
  if (conversation.system.length > 0) request.system = conversation.system;

  const inference: ConverseInferenceConfig = {};
  if (typeof body.max_tokens === "number") inference.maxTokens = body.max_tokens;
  if (typeof body.temperature === "number") inference.temperature = body.temperature;
  if (typeof body.top_p === "number") inference.topP = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) {
    inference.stopSequences = body.stop_sequences as string[];
  }
  if (Object.keys(inference).length > 0) request.inferenceConfig = inference;

  const toolConfig = convertAnthropicToolsToConverse(
    body.tools,
    body.tool_choice,
    conversation.hasToolBlocks,
  );
  if (toolConfig !== undefined) request.toolConfig = toolConfig;

  // Claude's own knobs that Converse has no field for are passed to the model as is.
  let additional: Json | undefined;
  if (typeof body.top_k === "number") additional = { top_k: body.top_k };
  if (typeof body.thinking === "object" && body.thinking !== null) {
    additional ??= {};
    additional.thinking = body.thinking;
  }
  if (additional !== undefined) request.additionalModelRequestFields = additional;
  return request;
}
