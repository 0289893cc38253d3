import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { azureOpenAISchemaTranslators as azure } from "../../../src/providers/azure-openai/azure-openai-schema-translators.js";
import {
  type BackendSchema,
  InvalidRequestError,
  type Translator,
} from "../../../src/providers/translator.js";
import { requestInput, responseContext } from "../anthropic/translator-harness.js";

/**
 * Azure OpenAI's request side: deployment paths with api-version, the body left alone where the
 * deployment is in the path and rewritten where it is the body's model (Responses).
 */

const SCHEMA: BackendSchema = { name: "AzureOpenAI", version: "2024-10-21" };
const CHAT = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };

function pathOf(
  translator: Translator,
  body: Record<string, unknown>,
  schema = SCHEMA,
  model?: string,
): string {
  return translator.request(requestInput(body, { schema, ...(model ? { model } : {}) })).path;
}

describe("AzureOpenAI paths", () => {
  it("chat, completions and embeddings name the deployment; responses do not", () => {
    assert.equal(
      pathOf(azure["openai-chat"]!, CHAT),
      "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    );
    assert.equal(
      pathOf(azure["openai-completions"]!, { model: "inst", prompt: "x" }),
      "/openai/deployments/inst/completions?api-version=2024-10-21",
    );
    assert.equal(
      pathOf(azure["openai-embeddings"]!, { model: "emb", input: "x" }),
      "/openai/deployments/emb/embeddings?api-version=2024-10-21",
    );
    assert.equal(
      pathOf(azure["openai-images"]!, { model: "img", prompt: "x" }),
      "/openai/deployments/img/images/generations?api-version=2024-10-21",
    );
    assert.equal(
      pathOf(azure["openai-responses"]!, { model: "d", input: "x" }),
      "/openai/responses?api-version=2024-10-21",
    );
    assert.equal(
      pathOf(azure["openai-responses-input-tokens"]!, { model: "d", input: "x" }),
      "/openai/responses/input_tokens?api-version=2024-10-21",
    );
  });

  it("the deployment is the overridden model, one escaped path segment", () => {
    assert.equal(
      pathOf(azure["openai-chat"]!, CHAT, SCHEMA, "prod-4o"),
      "/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21",
    );
    assert.equal(
      pathOf(azure["openai-chat"]!, { ...CHAT, model: "a/b?c#d e" }),
      "/openai/deployments/a%2Fb%3Fc%23d%20e/chat/completions?api-version=2024-10-21",
    );
    assert.equal(
      pathOf(azure["openai-chat"]!, CHAT, { name: "AzureOpenAI", version: "2025-01-01-preview&x=1" }),
      "/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview%26x%3D1",
    );
  });

  it("names that cannot be one segment, or are not valid Unicode, are refused with 400", () => {
    for (const model of ["", ".", "..", "\ud800"]) {
      assert.throws(
        () => pathOf(azure["openai-chat"]!, { ...CHAT, model }),
        (err: unknown) => err instanceof InvalidRequestError && err.status === 400,
        JSON.stringify(model),
      );
    }
  });

  it("without a schema version no api-version is sent", () => {
    assert.equal(
      pathOf(azure["openai-chat"]!, CHAT, { name: "AzureOpenAI" }),
      "/openai/deployments/gpt-4o/chat/completions",
    );
    assert.equal(
      pathOf(azure["openai-responses"]!, { model: "d", input: "x" }, { name: "AzureOpenAI" }),
      "/openai/responses",
    );
  });
});

describe("AzureOpenAI bodies", () => {
  it("chat under modelNameOverride forwards the client's very bytes", () => {
    const input = requestInput(CHAT, { schema: SCHEMA, model: "prod-4o" });
    assert.equal(azure["openai-chat"]!.request(input).body, input.raw);
  });

  it("a streamed chat on a route with costs gets include_usage spliced in, the model kept", () => {
    const input = requestInput(
      { ...CHAT, stream: true },
      { schema: SCHEMA, model: "prod-4o", forceIncludeUsage: true },
    );
    const body = JSON.parse(String(azure["openai-chat"]!.request(input).body));
    assert.deepEqual(body, { ...CHAT, stream: true, stream_options: { include_usage: true } });
  });

  it("embeddings never force usage", () => {
    const input = requestInput(
      { model: "emb", input: "x", stream: true },
      { schema: SCHEMA, forceIncludeUsage: true },
    );
    assert.equal(azure["openai-embeddings"]!.request(input).body, input.raw);
  });

  it("responses put the deployment in the body's model", () => {
    const input = requestInput({ model: "alias", input: "x" }, { schema: SCHEMA, model: "prod-4o" });
    assert.deepEqual(JSON.parse(String(azure["openai-responses"]!.request(input).body)), {
      model: "prod-4o",
      input: "x",
    });
  });
});

describe("AzureOpenAI answers", () => {
  it("an Azure stream's opening chunk (no choices, empty model) does not hide the answering model", () => {
    const response = azure["openai-chat"]!.response(responseContext(200, "prod-4o", { stream: true }));
    response.chunk(Buffer.from('data: {"id":"","model":"","choices":[],"prompt_filter_results":[]}\n\n'));
    response.chunk(
      Buffer.from(
        'data: {"id":"c","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"x"}}]}\n\n',
      ),
    );
    response.chunk(
      Buffer.from(
        'data: {"id":"c","model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}\n\ndata: [DONE]\n\n',
      ),
    );
    response.end();
    assert.equal(response.responseModel, "gpt-4o-2024-08-06");
    assert.equal(response.usage.totalTokens, 3);
  });
});
