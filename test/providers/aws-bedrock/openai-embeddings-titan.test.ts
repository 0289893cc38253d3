import * as assert from "node:assert/strict";
import { test } from "node:test";
import { openAIEmbeddingsTitanTranslator } from "../../../src/providers/aws-bedrock/openai-embeddings-titan-translator.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { bedrockContext, bedrockErrorHeaders, bedrockInput } from "./bedrock-test-input.js";

const TITAN = "amazon.titan-embed-text-v2:0";
const TITAN_ANSWER = { embedding: [0.125, -0.5, 0.75, 0.0078125], inputTextTokenCount: 7 };

test("a single input goes to /model/<id>/invoke as {inputText, dimensions}", () => {
  const out = openAIEmbeddingsTitanTranslator.request(
    bedrockInput({ model: TITAN, input: "The quick brown fox", dimensions: 256, encoding_format: "float" }),
  );
  assert.equal(out.path, "/model/amazon.titan-embed-text-v2%3A0/invoke");
  assert.deepEqual(JSON.parse(String(out.body)), { inputText: "The quick brown fox", dimensions: 256 });
  const single = openAIEmbeddingsTitanTranslator.request(bedrockInput({ model: TITAN, input: ["only one"] }));
  assert.deepEqual(JSON.parse(String(single.body)), { inputText: "only one" });
});

test("batches and token arrays are refused with a clear message", () => {
  assert.throws(
    () => openAIEmbeddingsTitanTranslator.request(bedrockInput({ model: TITAN, input: ["a", "b", "c"] })),
    (err: unknown) =>
      err instanceof InvalidRequestError && /one input per request; got 3 inputs/.test(err.message),
  );
  assert.throws(
    () => openAIEmbeddingsTitanTranslator.request(bedrockInput({ model: TITAN, input: [1, 2, 3] })),
    InvalidRequestError,
  );
});

test("the Titan answer becomes an OpenAI embeddings list with usage", () => {
  const translator = openAIEmbeddingsTitanTranslator.response(bedrockContext(200, { model: TITAN }));
  const out = translator.body(Buffer.from(JSON.stringify(TITAN_ANSWER)));
  assert.equal(out.status, 200);
  assert.deepEqual(JSON.parse(String(out.body)), {
    object: "list",
    data: [{ object: "embedding", index: 0, embedding: TITAN_ANSWER.embedding }],
    model: TITAN,
    usage: { prompt_tokens: 7, total_tokens: 7 },
  });
  assert.deepEqual(translator.usage, {
    inputTokens: 7,
    outputTokens: 0,
    totalTokens: 7,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  });
});

test("encoding_format base64 is little-endian float32", () => {
  const ctx = bedrockContext(200, {
    model: TITAN,
    body: { model: TITAN, input: "x", encoding_format: "base64" },
  });
  const out = openAIEmbeddingsTitanTranslator.response(ctx).body(Buffer.from(JSON.stringify(TITAN_ANSWER)));
  const embedding = (JSON.parse(String(out.body)) as { data: { embedding: string }[] }).data[0]
    ?.embedding as string;
  const bytes = Buffer.from(embedding, "base64");
  assert.equal(bytes.length, 16);
  assert.deepEqual(
    [0, 4, 8, 12].map((offset) => bytes.readFloatLE(offset)),
    TITAN_ANSWER.embedding,
  );
});

test("Bedrock errors become OpenAI errors", () => {
  const translator = openAIEmbeddingsTitanTranslator.response(
    bedrockContext(400, { model: TITAN, headers: bedrockErrorHeaders("ValidationException") }),
  );
  const out = translator.body(
    Buffer.from('{"message":"Malformed input request: #: extraneous key [texts] is not permitted"}'),
  );
  assert.equal(out.status, 400);
  assert.deepEqual(JSON.parse(String(out.body)), {
    type: "error",
    error: {
      type: "ValidationException",
      code: "400",
      message: "Malformed input request: #: extraneous key [texts] is not permitted",
    },
  });
});
