import { openAIErrorBody } from "../../api/openai-error.js";
import { emptyUsage } from "../../usage/token-usage.js";
import { bedrockModelPath } from "../aws/bedrock-model-path.js";
import { readBedrockError } from "../aws/read-bedrock-error.js";
import { parseUpstreamJson, refuseDeepRequest } from "../json-depth-limit.js";
import {
  type ResponseContext,
  type ResponseTranslator,
  type TranslatedBody,
  type Translator,
  UpstreamProtocolError,
} from "../translator.js";
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
    const titan = parseUpstreamJson(body, "AWS Bedrock's answer") as {
      embedding?: unknown;
      inputTextTokenCount?: unknown;
    } | null;
    const embedding = titan?.embedding;
    if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === "number")) {
      throw new UpstreamProtocolError(`AWS Bedrock answered ${status} without an embedding`);
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
