import type { TranslateRequestInput } from "../translator.js";
import { bedrockAnthropicBetas } from "./bedrock-anthropic-betas.js";
import { bedrockAnthropicVersion } from "./invoke-model-target.js";

/**
 * An Anthropic Messages request body as Claude on Bedrock takes it in InvokeModel: the same body,
 * except that `model` moves to the path, streaming is chosen by the path instead of `stream` (Bedrock
 * rejects both as extra inputs), `anthropic_version` names Bedrock's API version, and the beta flags
 * of the `anthropic-beta` header that Bedrock knows go into `anthropic_beta`.
 */
export function invokeModelBody(input: TranslateRequestInput): Record<string, unknown> {
  const { model: _model, stream: _stream, ...rest } = input.body;
  const body: Record<string, unknown> = { anthropic_version: bedrockAnthropicVersion(input.schema), ...rest };
  const betas = bedrockAnthropicBetas(input.headers);
  if (betas.length > 0) body.anthropic_beta = betas;
  return body;
}
