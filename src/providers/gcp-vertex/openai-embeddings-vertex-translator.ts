import { openAIErrorBody } from "../../api/openai-error.js";
import { encodeEmbeddingBase64 } from "../aws-bedrock/encode-embedding-base64.js";
import { BufferedJsonResponse } from "../buffered-json-response.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import { tokenCount } from "../token-count.js";
import { type Translator, UpstreamProtocolError } from "../translator.js";
import { convertOpenAIEmbeddingsToVertex } from "./convert-openai-embeddings-to-vertex.js";
import { geminiModelPath } from "./gemini-model-path.js";
import { readVertexError } from "./read-vertex-error.js";

type Json = Record<string, unknown>;

/**
 * /v1/embeddings to Vertex AI: `:embedContent` for Gemini embedding models, `:predict` for the
 * text-embedding models (convertOpenAIEmbeddingsToVertex decides). Usage: `:predict` reports
 * `statistics.token_count` per prediction (summed); `:embedContent` reports
 * `usageMetadata.promptTokenCount` (0 when absent: Vertex then did not say). `encoding_format:
 * "base64"` is honoured as OpenAI encodes it (little-endian float32).
 */
export const openAIEmbeddingsVertexTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    const vertex = convertOpenAIEmbeddingsToVertex(input.body, input.model);
    return { path: geminiModelPath(input.model, vertex.method), body: JSON.stringify(vertex.body) };
  },
  response: (ctx) => new VertexEmbeddingsResponse(ctx),
};

class VertexEmbeddingsResponse extends BufferedJsonResponse {
  protected errorBody(status: number, body: Buffer): string {
    const error = readVertexError(body);
    return openAIErrorBody(status, error.type, error.message);
  }

  protected answerBody(body: Buffer): string {
    const answer = parseUpstreamJson(body, "GCP Vertex AI's answer") as Json | null;
    if (typeof answer !== "object" || answer === null || Array.isArray(answer))
      throw new UpstreamProtocolError("GCP Vertex AI's answer is not a JSON object");
    const { vectors, tokens } = Array.isArray(answer.predictions)
      ? readPredictions(answer.predictions)
      : readEmbedContent(answer);
    this.usage.inputTokens = tokens;
    this.usage.totalTokens = tokens;
    const base64 = this.ctx.request.body.encoding_format === "base64";
    const json = {
      object: "list",
      data: vectors.map((vector, index) => ({
        object: "embedding",
        index,
        embedding: base64 ? encodeEmbeddingBase64(vector) : vector,
      })),
      model: this.ctx.requestModel,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
    return JSON.stringify(json);
  }
}

function readPredictions(predictions: unknown[]): { vectors: number[][]; tokens: number } {
  let tokens = 0;
  const vectors = predictions.map((prediction) => {
    const embeddings = (prediction as Json | null)?.embeddings as Json | null | undefined;
    const values = vectorOf(embeddings?.values);
    tokens += Math.round(tokenCount((embeddings?.statistics as Json | null | undefined)?.token_count));
    return values;
  });
  return { vectors, tokens };
}

function readEmbedContent(answer: Json): { vectors: number[][]; tokens: number } {
  const values = vectorOf((answer.embedding as Json | null | undefined)?.values);
  const usage = answer.usageMetadata as Json | null | undefined;
  return { vectors: [values], tokens: tokenCount(usage?.promptTokenCount) };
}

function vectorOf(values: unknown): number[] {
  if (!Array.isArray(values) || !values.every((x) => typeof x === "number"))
    throw new UpstreamProtocolError("GCP Vertex AI answered without an embedding");
  return values;
}
