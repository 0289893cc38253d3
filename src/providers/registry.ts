import type { BackendSchemaName, SchemaTranslators } from "./translator.js";

/**
 * Which client APIs each backend schema serves, loaded on demand: a configuration only pays (in
 * start-up time and memory) for the providers it uses — an OpenAI-only gateway never loads the AWS
 * event-stream codec or the SigV4 signer. Configuration compilation awaits the schemas it needs
 * once; the request path then finds its translator on the compiled backend.
 * A missing (schema, API) pair means the backend cannot serve that endpoint.
 */
const SCHEMAS: Partial<Record<BackendSchemaName, () => Promise<SchemaTranslators>>> = {
  OpenAI: async () => (await import("./openai/openai-schema-translators.js")).openAISchemaTranslators,
  Anthropic: async () =>
    (await import("./anthropic/anthropic-schema-translators.js")).anthropicSchemaTranslators,
  AWSBedrock: async () =>
    (await import("./aws-bedrock/bedrock-schema-translators.js")).bedrockSchemaTranslators,
  AzureOpenAI: async () =>
    (await import("./azure-openai/azure-openai-schema-translators.js")).azureOpenAISchemaTranslators,
  AWSAnthropic: async () =>
    (await import("./aws-anthropic/aws-anthropic-schema-translators.js")).awsAnthropicSchemaTranslators,
  GCPVertexAI: async () =>
    (await import("./gcp-vertex/gcp-vertex-schema-translators.js")).gcpVertexSchemaTranslators,
  GCPAnthropic: async () =>
    (await import("./gcp-anthropic/gcp-anthropic-schema-translators.js")).gcpAnthropicSchemaTranslators,
  "aigw/AWSSageMaker": async () =>
    (await import("./aws-sagemaker/sagemaker-schema-translators.js")).sageMakerSchemaTranslators,
  Cohere: async () => (await import("./cohere/cohere-schema-translators.js")).cohereSchemaTranslators,
};

/** The translators of a schema; empty for schemas that are validated but not served yet. */
export async function loadSchemaTranslators(schema: BackendSchemaName): Promise<SchemaTranslators> {
  return (await SCHEMAS[schema]?.()) ?? {};
}
