import { bedrockModelPath } from "./bedrock-model-path.js";

/**
 * `/model/<model id>/count-tokens` for Bedrock's CountTokens. CountTokens counts for Claude by its
 * base model id only: a cross-Region inference profile id (`us.anthropic.claude-...`,
 * `global.anthropic.claude-...`) or a profile ARN is refused with "The provided model doesn't support
 * counting tokens", although it names the same model. So whatever precedes the `anthropic.` provider
 * segment (a geography prefix of any length, an ARN's prefix) is dropped, as Envoy AI Gateway does;
 * other ids are sent as they are.
 */
export function bedrockCountTokensPath(model: string): string {
  const provider = model.indexOf("anthropic.");
  return bedrockModelPath(provider > 0 ? model.slice(provider) : model, "count-tokens");
}
