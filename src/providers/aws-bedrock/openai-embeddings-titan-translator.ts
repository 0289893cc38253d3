import { openAIErrorBody } from "../../api/openai-error.js";
import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import { readBedrockError } from "../aws/read-bedrock-error.js";
import { BufferedJsonResponse } from "../buffered-json-response.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import { type Translator, UpstreamProtocolError } from "../translator.js";
import { convertOpenAIEmbeddingsToTitan } from "./convert-openai-embeddings-to-titan.js";
import { encodeEmbeddingBase64 } from "./encode-embedding-base64.js";

/** /v1/embeddings to Amazon Titan text embeddings via InvokeModel (`/model/<id>/invoke`). */
export const openAIEmbeddingsTitanTranslator: Translator = {
  request(input) {
    refuseDeepRequest(input);
    return {
      path: bedrockModelPath(input.model, "invoke"),
      body: JSON.stringify(convertOpenAIEmbeddingsToTitan(input.body)),
    };
  },
  response: (ctx) => new TitanEmbeddingsResponse(ctx),
};

class TitanEmbeddingsResponse extends BufferedJsonResponse {
  protected errorBody(status: number, body: Buffer): string {
    const error = readBedrockError(this.ctx.headers, body);
    return openAIErrorBody(status, error.type, error.message);
  }

  protected answerBody(body: Buffer): string {
    const titan = parseUpstreamJson(body, "AWS Bedrock's answer") as {
      embedding?: unknown;
      inputTextTokenCount?: unknown;
    } | null;
    const embedding = titan?.embedding;
    if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === "number")) {
      throw new UpstreamProtocolError(`AWS Bedrock answered ${this.ctx.status} without an embedding`);
    }
    const tokens = typeof titan!.inputTextTokenCount === "number" ? titan!.inputTextTokenCount : 0;
    this.usage.inputTokens = tokens;
    this.usage.totalTokens = tokens;
    const base64 = this.ctx.request.body.encoding_format === "base64";
    const json = {
      object: "list",
      data: [
        {
          object: "embedding",
          index: 0,
          embedding: base64 ? encodeEmbeddingBase64(embedding) : embedding,
        },
      ],
      model: this.ctx.requestModel,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
    return JSON.stringify(json);
  }
}
