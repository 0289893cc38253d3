import { type Attributes, type Span, SpanKind } from "@opentelemetry/api";
import {
  embeddingInputsOf,
  inputMessagesOf,
  invocationParametersOf,
  outputMessagesOf,
} from "./span-content.js";
import type { SpanLayout } from "./span-layout.js";

/** Envoy AI Gateway's OpenInference span names, by gen_ai.operation.name. */
const NAMES: Readonly<Record<string, string>> = {
  chat: "ChatCompletion",
  completion: "Completion",
  embeddings: "CreateEmbeddings",
  messages: "Message",
  count_tokens: "CountTokens",
  image_generation: "ImagesResponse",
  responses: "Responses",
  responses_input_tokens: "ResponsesInputTokens",
  rerank: "Rerank",
  speech: "AudioSpeech",
  transcription: "Transcription",
  translation: "Translation",
  tokenize: "Tokenize",
};

/** APIs whose request is a multipart upload: the input recorded is its text fields, not the audio. */
const MULTIPART_APIS = new Set(["openai-audio-transcriptions", "openai-audio-translations"]);

/** OpenInference's `llm.provider` values, from the backend's gen_ai.provider.name. */
const PROVIDERS: Readonly<Record<string, string>> = {
  openai: "openai",
  "azure.openai": "azure",
  "aws.bedrock": "aws",
  "aws.anthropic": "aws",
  "aws.sagemaker": "aws",
  "gcp.vertex_ai": "google",
  "gcp.anthropic": "google",
  anthropic: "anthropic",
  cohere: "cohere",
};

/**
 * The OpenInference layout (Envoy AI Gateway's default): span kind INTERNAL, named after the API
 * call, with `llm.*` attributes as the OpenInference instrumentations record them. `llm.system`
 * is the API the client spoke; `llm.provider` who served it.
 */
export const openInferenceLayout: SpanLayout = {
  kind: SpanKind.INTERNAL,
  nameAtStart: (operation) => NAMES[operation] ?? operation,
  finish(span: Span, { record, body, rawBody, output, content }) {
    const embeddings = record.api === "openai-embeddings";
    const model = record.responseModel ?? record.requestModel ?? record.originalModel;
    const a: Attributes = {
      "openinference.span.kind": embeddings ? "EMBEDDING" : "LLM",
      "llm.system": record.api.startsWith("anthropic") ? "anthropic" : "openai",
    };
    if (record.provider) a["llm.provider"] = PROVIDERS[record.provider] ?? record.provider;
    if (model !== undefined) a[embeddings ? "embedding.model_name" : "llm.model_name"] = model;
    const u = record.usage;
    if (u.totalTokens > 0 || u.inputTokens > 0) {
      a["llm.token_count.prompt"] = u.inputTokens;
      a["llm.token_count.completion"] = u.outputTokens;
      a["llm.token_count.total"] = u.totalTokens;
      if (u.cachedInputTokens > 0) a["llm.token_count.prompt_details.cache_read"] = u.cachedInputTokens;
      if (u.cacheCreationInputTokens > 0)
        a["llm.token_count.prompt_details.cache_write"] = u.cacheCreationInputTokens;
      if (u.reasoningTokens > 0) a["llm.token_count.completion_details.reasoning"] = u.reasoningTokens;
    }
    if (body && content.invocationParameters) {
      a["llm.invocation_parameters"] = JSON.stringify(invocationParametersOf(body));
    }
    if (body && content.inputs) {
      if (MULTIPART_APIS.has(record.api)) {
        a["input.value"] = JSON.stringify(body);
        a["input.mime_type"] = "application/json";
      } else if (rawBody) {
        a["input.value"] = rawBody.toString("utf8");
        a["input.mime_type"] = "application/json";
      }
      if (embeddings) {
        embeddingInputsOf(body).forEach((text, i) => {
          a[`embedding.embeddings.${i}.embedding.text`] = text;
        });
      } else {
        inputMessagesOf(record.api, body).forEach((m, i) => {
          a[`llm.input_messages.${i}.message.role`] = m.role;
          a[`llm.input_messages.${i}.message.content`] = m.text;
        });
      }
    }
    // Embedding vectors are never recorded: they are large and say nothing a reader can use.
    // Speech answers audio (bytes, or base64 in SSE events): nothing a reader of a span can use.
    if (output !== undefined && content.outputs && !embeddings && record.api !== "openai-audio-speech") {
      a["output.value"] = output;
      a["output.mime_type"] = record.stream ? "text/event-stream" : "application/json";
      outputMessagesOf(record.api, record.stream, output)?.forEach((m, i) => {
        a[`llm.output_messages.${i}.message.role`] = m.role;
        a[`llm.output_messages.${i}.message.content`] = m.text;
      });
    }
    span.setAttributes(a);
  },
};
