import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gcpVertexSchemaTranslators } from "../../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { InvalidRequestError, UpstreamProtocolError } from "../../../src/providers/translator.js";
import { jsonOf, requestInput, responseContext } from "../anthropic/translator-harness.js";
import { vertexError } from "./gemini-fixtures.js";

const embeddings = gcpVertexSchemaTranslators["openai-embeddings"]!;
const SCHEMA = { name: "GCPVertexAI" as const };

function translate(body: Record<string, unknown>) {
  const out = embeddings.request(requestInput(body, { schema: SCHEMA }));
  return { path: out.path, body: jsonOf(out.body) };
}

function answer(body: Record<string, unknown>, upstream: unknown, status = 200) {
  const ctx = responseContext(status, String(body.model), {
    request: requestInput(body, { schema: SCHEMA }),
  });
  const response = embeddings.response(ctx);
  const out = response.body(Buffer.from(typeof upstream === "string" ? upstream : JSON.stringify(upstream)));
  return { out, json: jsonOf(out.body) as Record<string, unknown>, usage: response.usage };
}

describe("OpenAI embeddings -> Vertex AI :predict (text-embedding models)", () => {
  const body = {
    model: "text-embedding-005",
    input: ["first", "second"],
    dimensions: 256,
    task_type: "RETRIEVAL_DOCUMENT",
    title: "Doc",
  };

  it("a batch becomes instances with task_type and title; dimensions -> outputDimensionality", () => {
    assert.deepEqual(translate(body), {
      path: "/publishers/google/models/text-embedding-005:predict",
      body: {
        instances: [
          { content: "first", task_type: "RETRIEVAL_DOCUMENT", title: "Doc" },
          { content: "second", task_type: "RETRIEVAL_DOCUMENT", title: "Doc" },
        ],
        parameters: { outputDimensionality: 256 },
      },
    });
    assert.deepEqual(translate({ model: "text-multilingual-embedding-002", input: "x" }).body, {
      instances: [{ content: "x" }],
    });
  });

  it("predictions become OpenAI embeddings; usage sums statistics.token_count; base64 honoured", () => {
    const upstream = {
      predictions: [
        { embeddings: { values: [0.5, -0.25], statistics: { token_count: 3, truncated: false } } },
        { embeddings: { values: [1, 2], statistics: { token_count: 4, truncated: false } } },
      ],
      metadata: { billableCharacterCount: 11 },
    };
    const { json, usage } = answer(body, upstream);
    assert.deepEqual(json, {
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.5, -0.25] },
        { object: "embedding", index: 1, embedding: [1, 2] },
      ],
      model: "text-embedding-005",
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    assert.equal(usage.inputTokens, 7);
    const b64 = answer({ ...body, encoding_format: "base64" }, upstream).json as {
      data: { embedding: string }[];
    };
    const bytes = Buffer.from(b64.data[0]!.embedding, "base64");
    assert.equal(bytes.length, 8);
    assert.deepEqual([bytes.readFloatLE(0), bytes.readFloatLE(4)], [0.5, -0.25]);
  });
});

describe("OpenAI embeddings -> Vertex AI :embedContent (Gemini embedding models)", () => {
  const body = {
    model: "gemini-embedding-001",
    input: "hello",
    dimensions: 768,
    task_type: "RETRIEVAL_QUERY",
  };

  it("one input as content parts with taskType and outputDimensionality", () => {
    assert.deepEqual(translate(body), {
      path: "/publishers/google/models/gemini-embedding-001:embedContent",
      body: {
        content: { parts: [{ text: "hello" }] },
        taskType: "RETRIEVAL_QUERY",
        outputDimensionality: 768,
      },
    });
    assert.throws(
      () => translate({ ...body, input: ["a", "b"] }),
      (err: unknown) => err instanceof InvalidRequestError && /one input per request/.test(err.message),
    );
  });

  it("the embedding, with usage from usageMetadata.promptTokenCount", () => {
    const { json, usage } = answer(body, {
      embedding: { values: [0.1, 0.2, 0.3] },
      usageMetadata: { promptTokenCount: 2, totalTokenCount: 2 },
      truncated: false,
    });
    assert.deepEqual(json.data, [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3] }]);
    assert.deepEqual(json.usage, { prompt_tokens: 2, total_tokens: 2 });
    assert.equal(usage.totalTokens, 2);
  });
});

describe("Vertex embeddings: bad input and bad answers", () => {
  it("token arrays and empty input are refused", () => {
    for (const input of [[1, 2, 3], [[1]], [], 5]) {
      assert.throws(() => translate({ model: "text-embedding-005", input }), InvalidRequestError);
    }
  });

  it("errors in the OpenAI envelope; answers without embeddings are UpstreamProtocolError", () => {
    const body = { model: "text-embedding-005", input: "x" };
    const { out, json } = answer(body, vertexError(404, "NOT_FOUND", "Publisher model not found."), 404);
    assert.equal(out.status, 404);
    assert.deepEqual(json, {
      type: "error",
      error: { type: "NOT_FOUND", code: "404", message: "Publisher model not found." },
    });
    for (const bad of ["{}", '{"predictions":[{}]}', '{"embedding":{"values":["a"]}}', "[]", "nope"]) {
      assert.throws(() => answer(body, bad), UpstreamProtocolError, bad);
    }
  });
});
