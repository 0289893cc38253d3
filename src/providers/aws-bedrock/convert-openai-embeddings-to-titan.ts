import { InvalidRequestError } from "../translator.js";

type Json = Record<string, unknown>;

/** Titan's `InvokeModel` body: one text per call. */
export interface TitanEmbeddingRequest {
  inputText: string;
  dimensions?: number;
}

/**
 * An OpenAI embeddings request as a Titan embeddings body. Titan embeds one text per call, so a
 * batch (or token arrays, which Titan cannot take) is refused rather than silently cut to one input.
 */
export function convertOpenAIEmbeddingsToTitan(body: Json): TitanEmbeddingRequest {
  const input = body.input;
  let inputText: string;
  if (typeof input === "string") {
    inputText = input;
  } else if (Array.isArray(input) && input.length === 1 && typeof input[0] === "string") {
    inputText = input[0];
  } else if (Array.isArray(input) && input.length > 1) {
    throw new InvalidRequestError(
      `AWS Bedrock Titan embeds one input per request; got ${input.length} inputs (send them one at a time)`,
    );
  } else {
    throw new InvalidRequestError("AWS Bedrock Titan takes `input` as a single string");
  }
  const request: TitanEmbeddingRequest = { inputText };
  if (typeof body.dimensions === "number") request.dimensions = body.dimensions;
  return request;
}
