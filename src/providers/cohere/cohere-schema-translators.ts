import type { SchemaTranslators } from "../translator.js";
import { cohereChatTranslator, cohereEmbeddingsTranslator } from "./cohere-compatibility-translators.js";
import { cohereRerankTranslator } from "./cohere-rerank-translator.js";

/** What a Cohere-schema backend serves: native rerank, and chat and embeddings over its Compatibility API. */
export const cohereSchemaTranslators: SchemaTranslators = {
  "cohere-rerank": cohereRerankTranslator,
  "openai-chat": cohereChatTranslator,
  "openai-embeddings": cohereEmbeddingsTranslator,
};
