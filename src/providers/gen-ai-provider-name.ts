import type { BackendSchemaName } from "./translator.js";

/**
 * `gen_ai.provider.name` of a backend, by its schema: the OpenTelemetry GenAI names upstream's
 * metrics and spans use (an OpenAI-compatible server such as vLLM is `openai`, as it speaks that).
 */
const PROVIDER_NAMES: Readonly<Record<BackendSchemaName, string>> = {
  OpenAI: "openai",
  AzureOpenAI: "azure.openai",
  AWSBedrock: "aws.bedrock",
  AWSAnthropic: "aws.anthropic",
  GCPVertexAI: "gcp.vertex_ai",
  GCPAnthropic: "gcp.anthropic",
  Anthropic: "anthropic",
  Cohere: "cohere",
  "aigw/AWSSageMaker": "aws.sagemaker",
};

export function genAiProviderName(schema: BackendSchemaName): string {
  return PROVIDER_NAMES[schema];
}
