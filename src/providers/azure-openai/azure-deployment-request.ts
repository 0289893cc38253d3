import { openAIPassthroughRequest } from "../openai/openai-passthrough-request.js";
import type { TranslateRequestInput, UpstreamRequest } from "../translator.js";
import { azureDeploymentPath } from "./azure-openai-path.js";

/**
 * The request side of chat, completions and embeddings to Azure OpenAI: the deployment goes in the
 * path, and the body is the OpenAI passthrough's with its `model` left as the client sent it, as
 * Envoy AI Gateway leaves it: Azure takes the deployment from the path and ignores the body's model.
 * So the client's bytes pass untouched unless usage must be forced into a stream (which Azure's
 * chat and completions accept as `stream_options.include_usage`, as OpenAI's do).
 */
export function azureDeploymentRequest(
  input: TranslateRequestInput,
  suffix: string,
  forceUsage: boolean,
): UpstreamRequest {
  const path = azureDeploymentPath(input.schema, input.model, suffix);
  const unchangedModel: TranslateRequestInput = input.modelOverridden
    ? { ...input, modelOverridden: false }
    : input;
  return { ...openAIPassthroughRequest(unchangedModel, suffix, forceUsage), path };
}
