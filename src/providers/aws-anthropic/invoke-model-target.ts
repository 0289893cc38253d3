import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import type { BackendSchema } from "../translator.js";

/**
 * Claude on Bedrock is called through InvokeModel: the model is in the path, not the body, and the
 * body names the Bedrock flavour of the Messages API in `anthropic_version` (AIServiceBackend
 * schema.version; default bedrock-2023-05-31, the version AWS documents and the Anthropic SDK sends).
 */
export const DEFAULT_BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

export function bedrockAnthropicVersion(schema: BackendSchema): string {
  return schema.version || DEFAULT_BEDROCK_ANTHROPIC_VERSION;
}

/** `/model/<model>/invoke`, or `/invoke-with-response-stream` for a streamed answer. */
export function invokeModelPath(model: string, stream: boolean): string {
  return bedrockModelPath(model, stream ? "invoke-with-response-stream" : "invoke");
}
