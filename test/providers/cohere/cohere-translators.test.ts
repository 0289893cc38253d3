import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cohereSchemaTranslators } from "../../../src/providers/cohere/cohere-schema-translators.js";
import { jsonOf, requestInput, responseContext } from "../anthropic/translator-harness.js";

const rerank = cohereSchemaTranslators["cohere-rerank"]!;
const chat = cohereSchemaTranslators["openai-chat"]!;
const RERANK = { model: "rerank-v3.5", query: "q", documents: ["a", "b"] };

describe("Cohere rerank", () => {
  it("goes to /<version>/rerank, v2 by default, the client's bytes untouched", () => {
    const raw = Buffer.from(JSON.stringify(RERANK));
    const input = { ...requestInput(RERANK, { schema: { name: "Cohere" } }), raw };
    const out = rerank.request(input);
    assert.equal(out.path, "/v2/rerank");
    assert.equal(out.body, raw);
    assert.equal(rerank.request({ ...input, schema: { name: "Cohere", version: "v1" } }).path, "/v1/rerank");
    assert.equal(
      rerank.request({ ...input, schema: { name: "Cohere", version: "/v2/" } }).path,
      "/v2/rerank",
    );
  });

  it("reads usage from meta.tokens, else meta.billed_units; search units are not tokens", () => {
    const usageOf = (meta: unknown) => {
      const response = rerank.response(responseContext(200, "rerank-v3.5"));
      response.body(Buffer.from(JSON.stringify({ id: "r", results: [], meta })));
      return response.usage;
    };
    const tokens = usageOf({
      billed_units: { search_units: 1 },
      tokens: { input_tokens: 120, output_tokens: 3 },
    });
    assert.deepEqual([tokens.inputTokens, tokens.outputTokens, tokens.totalTokens], [120, 3, 123]);
    const billed = usageOf({ billed_units: { input_tokens: 40, search_units: 2 } });
    assert.deepEqual([billed.inputTokens, billed.totalTokens], [40, 40]);
    const searchOnly = usageOf({ billed_units: { search_units: 2 } });
    assert.equal(searchOnly.totalTokens, 0);
    const broken = usageOf({ tokens: { input_tokens: "12" }, billed_units: null });
    assert.equal(broken.inputTokens, 0);
  });

  it("Cohere's JSON errors pass as they are, other error bodies get Cohere's shape", () => {
    const cohere = Buffer.from('{"id":"e1","message":"invalid request: query is required"}');
    assert.equal(rerank.response(responseContext(400, "m")).body(cohere).body, cohere);
    const html = rerank.response(responseContext(502, "m")).body(Buffer.from("<html>bad gateway</html>"));
    assert.deepEqual(jsonOf(html.body), { message: "<html>bad gateway</html>" });
    assert.equal(html.status, 502);
  });
});

describe("Cohere's Compatibility API", () => {
  it("chat goes to /compatibility/v1/chat/completions whatever the schema's prefix", () => {
    const body = { model: "command-a-03-2025", messages: [] };
    assert.equal(
      chat.request(requestInput(body, { schema: { name: "Cohere" } })).path,
      "/compatibility/v1/chat/completions",
    );
    assert.equal(
      cohereSchemaTranslators["openai-embeddings"]!.request(
        requestInput({ model: "embed-v4.0", input: "x" }, { schema: { name: "Cohere", prefix: "/v9" } }),
      ).path,
      "/compatibility/v1/embeddings",
    );
  });

  it("Cohere-shaped errors become the OpenAI envelope; OpenAI-shaped ones pass", () => {
    const out = chat
      .response(responseContext(429, "m"))
      .body(Buffer.from('{"id":"x","message":"too many tokens"}'));
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: { type: "CohereBackendError", code: "429", message: "too many tokens" },
    });
    const openAI = Buffer.from('{"error":{"message":"bad","type":"invalid_request_error"}}');
    assert.equal(chat.response(responseContext(400, "m")).body(openAI).body, openAI);
  });
});
