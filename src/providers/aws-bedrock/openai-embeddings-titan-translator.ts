import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import { AWS_BEDROCK_BACKEND_ERROR, readBedrockError } from "../aws/read-bedrock-error.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { ResponseContext, ResponseTranslator, TranslatedBody, Translator } from "../translator.js";
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

class TitanEmbeddingsResponse implements ResponseTranslator {
  readonly streamContentType = "application/json";
  readonly usage = emptyUsage();
  readonly responseModel: string;

  constructor(private readonly ctx: ResponseContext) {
    this.responseModel = ctx.requestModel;
  }

  body(body: Buffer): TranslatedBody {
    const status = this.ctx.status;
    if (status >= 400) {
      const error = readBedrockError(this.ctx.headers, body);
      return {
        status,
        contentType: "application/json",
        body: openAIErrorBody(status, error.type, error.message),
      };
    }
    let titan: { embedding?: unknown; inputTextTokenCount?: unknown };
    try {
      titan = JSON.parse(body.toString("utf8"));
    } catch {
      titan = {};
    }
    if (!Array.isArray(titan?.embedding)) {
      const message = `AWS Bedrock answered ${status} without an embedding`;
      return {
        status: 502,
        contentType: "application/json",
        body: openAIErrorBody(502, AWS_BEDROCK_BACKEND_ERROR, message),
      };
    }
    const tokens = typeof titan.inputTextTokenCount === "number" ? titan.inputTextTokenCount : 0;
    this.usage.inputTokens = tokens;
    this.usage.totalTokens = tokens;
    const base64 = this.ctx.request.body.encoding_format === "base64";
    const json = {
      object: "list",
      data: [
        {
          object: "embedding",
          index: 0,
          embedding: base64 ? encodeEmbeddingBase64(titan.embedding as number[]) : titan.embedding,
        },
      ],
      model: this.ctx.requestModel,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
    return { status, contentType: "application/json", body: JSON.stringify(json) };
  }

  // Embeddings are never streamed; the gateway only calls body().
  chunk(): undefined {
    return undefined;
  }

  end(): undefined {
    return undefined;
  }
}
