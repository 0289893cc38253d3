import type { SchemaTranslators } from "../translator.js";
import { openAISageMakerTranslator } from "./openai-sagemaker-translator.js";

/** What an `aigw/AWSSageMaker` backend (an OpenAI-compatible container on an endpoint) serves. */
export const sageMakerSchemaTranslators: SchemaTranslators = {
  "openai-chat": openAISageMakerTranslator(true),
  "openai-completions": openAISageMakerTranslator(true),
  "openai-embeddings": openAISageMakerTranslator(false),
};
