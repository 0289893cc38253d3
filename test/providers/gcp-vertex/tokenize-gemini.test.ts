import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gcpVertexSchemaTranslators } from "../../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { InvalidRequestError, UpstreamProtocolError } from "../../../src/providers/translator.js";
import { jsonOf, requestInput, responseContext } from "../anthropic/translator-harness.js";
import { vertexError } from "./gemini-fixtures.js";

const tokenize = gcpVertexSchemaTranslators.tokenize!;
const SCHEMA = { name: "GCPVertexAI" as const };

describe("/tokenize -> Gemini :countTokens", () => {
  it("a prompt is one user turn; messages and tools go as the chat conversion makes them", () => {
    const prompt = tokenize.request(
      requestInput({ model: "gemini-2.5-flash", prompt: "Hello there" }, { schema: SCHEMA }),
    );
    assert.equal(prompt.path, "/publishers/google/models/gemini-2.5-flash:countTokens");
    assert.deepEqual(jsonOf(prompt.body), { contents: [{ role: "user", parts: [{ text: "Hello there" }] }] });
    const chat = tokenize.request(
      requestInput(
        {
          model: "gemini-2.5-flash",
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: "hi" },
          ],
          tools: [{ type: "function", function: { name: "f" } }],
          max_tokens: 10,
        },
        { schema: SCHEMA },
      ),
    );
    assert.deepEqual(jsonOf(chat.body), {
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      tools: [{ functionDeclarations: [{ name: "f" }] }],
    });
    assert.throws(
      () => tokenize.request(requestInput({ model: "g", input: 1 }, { schema: SCHEMA })),
      (err: unknown) => err instanceof InvalidRequestError && err.status === 400,
    );
  });

  it('answers {"count": N} from totalTokens and records N as input tokens', () => {
    const response = tokenize.response(responseContext(200, "g"));
    const out = response.body(Buffer.from('{"totalTokens":31,"totalBillableCharacters":96}'));
    assert.deepEqual(jsonOf(out.body), { count: 31 });
    assert.equal(response.usage.inputTokens, 31);
    assert.equal(response.usage.totalTokens, 31);
    assert.throws(
      () => tokenize.response(responseContext(200, "g")).body(Buffer.from("{}")),
      UpstreamProtocolError,
    );
    const error = tokenize
      .response(responseContext(400, "g"))
      .body(Buffer.from(vertexError(400, "INVALID_ARGUMENT", "bad")));
    assert.deepEqual(jsonOf(error.body), {
      type: "error",
      error: { type: "INVALID_ARGUMENT", code: "400", message: "bad" },
    });
  });
});
