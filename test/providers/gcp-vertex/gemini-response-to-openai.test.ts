import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gcpVertexSchemaTranslators } from "../../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { UpstreamProtocolError } from "../../../src/providers/translator.js";
import { jsonOf, responseContext } from "../anthropic/translator-harness.js";
import {
  CREATED,
  GEMINI_MODEL_VERSION,
  RESPONSE_ID,
  toolCallAnswer,
  vertexError,
} from "./gemini-fixtures.js";

const chat = gcpVertexSchemaTranslators["openai-chat"]!;
const CALL_ID = /^call_[0-9a-f]{32}$/;

describe("Gemini generateContent -> OpenAI chat.completion", () => {
  it("text, thought summary and parallel function calls; finish tool_calls; usage; model from modelVersion", () => {
    const response = chat.response(responseContext(200, "gemini-2.5-flash"));
    const out = response.body(Buffer.from(JSON.stringify(toolCallAnswer)));
    assert.equal(out.status, 200);
    const json = jsonOf(out.body) as {
      choices: { message: { tool_calls: { id: string }[] } }[];
    };
    const ids = json.choices[0]!.message.tool_calls.map((c) => c.id);
    for (const id of ids) assert.match(id, CALL_ID);
    assert.notEqual(ids[0], ids[1], "each call gets its own id");
    assert.deepEqual(json, {
      id: RESPONSE_ID,
      object: "chat.completion",
      created: CREATED,
      model: GEMINI_MODEL_VERSION,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Checking both.",
            tool_calls: [
              {
                id: ids[0],
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
              {
                id: ids[1],
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Lyon"}' },
                extra_content: { google: { thought_signature: "c2lnLTE=" } },
              },
            ],
            reasoning_content: "The user wants weather in two cities.",
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: {
        prompt_tokens: 41,
        completion_tokens: 47,
        total_tokens: 88,
        prompt_tokens_details: { cached_tokens: 8 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
    assert.deepEqual(response.usage, {
      inputTokens: 41,
      outputTokens: 47,
      totalTokens: 88,
      cachedInputTokens: 8,
      cacheCreationInputTokens: 0,
      reasoningTokens: 30,
    });
    assert.equal(response.responseModel, GEMINI_MODEL_VERSION);
  });

  it("finish reasons: STOP, MAX_TOKENS, the filters, and the rest; several candidates", () => {
    const cases: [string, string][] = [
      ["STOP", "stop"],
      ["MAX_TOKENS", "length"],
      ["SAFETY", "content_filter"],
      ["BLOCKLIST", "content_filter"],
      ["PROHIBITED_CONTENT", "content_filter"],
      ["SPII", "content_filter"],
      ["IMAGE_SAFETY", "content_filter"],
      ["RECITATION", "content_filter"],
      ["MALFORMED_FUNCTION_CALL", "stop"],
      ["OTHER", "stop"],
    ];
    const answer = {
      candidates: cases.map(([reason], index) => ({
        index,
        content: { role: "model", parts: [{ text: `c${index}` }] },
        finishReason: reason,
      })),
    };
    const out = jsonOf(
      chat.response(responseContext(200, "gemini-x")).body(Buffer.from(JSON.stringify(answer))).body,
    ) as {
      model: string;
      choices: { index: number; finish_reason: string; message: { content: string } }[];
      usage?: unknown;
    };
    assert.deepEqual(
      out.choices.map((c) => [c.index, c.message.content, c.finish_reason]),
      cases.map(([, finish], i) => [i, `c${i}`, finish]),
    );
    // Without modelVersion the model is the one asked for; without usageMetadata there is no usage.
    assert.equal(out.model, "gemini-x");
    assert.equal(out.usage, undefined);
  });

  it("a blocked prompt is one empty choice with finish_reason content_filter", () => {
    const answer = {
      promptFeedback: { blockReason: "PROHIBITED_CONTENT" },
      usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 },
    };
    const response = chat.response(responseContext(200, "g"));
    const out = jsonOf(response.body(Buffer.from(JSON.stringify(answer))).body) as { choices: unknown[] };
    assert.deepEqual(out.choices, [
      {
        index: 0,
        message: { role: "assistant", content: null },
        logprobs: null,
        finish_reason: "content_filter",
      },
    ]);
    assert.equal(response.usage.inputTokens, 4);
  });

  it("errors: Vertex's envelope with its status as the type and details appended; other bodies as GCPVertexAIBackendError", () => {
    const details = [
      { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "x" }] },
    ];
    const out = chat
      .response(responseContext(400, "g"))
      .body(
        Buffer.from(vertexError(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", details)),
      );
    assert.equal(out.status, 400);
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: {
        type: "INVALID_ARGUMENT",
        code: "400",
        message: `Request contains an invalid argument. Details: ${JSON.stringify(details)}`,
      },
    });
    const quota = chat
      .response(responseContext(429, "g"))
      .body(Buffer.from(`[${vertexError(429, "RESOURCE_EXHAUSTED", "Quota exceeded.")}]`));
    assert.deepEqual(jsonOf(quota.body), {
      type: "error",
      error: { type: "RESOURCE_EXHAUSTED", code: "429", message: "Quota exceeded." },
    });
    const html = chat.response(responseContext(503, "g")).body(Buffer.from("<html>unavailable</html>"));
    assert.deepEqual(jsonOf(html.body), {
      type: "error",
      error: { type: "GCPVertexAIBackendError", code: "503", message: "<html>unavailable</html>" },
    });
  });

  it("2xx answers that are not a GenerateContentResponse are UpstreamProtocolError", () => {
    for (const body of ["", "not json", "[]", "null", '{"other":1}', '{"candidates":{}}']) {
      assert.throws(
        () => chat.response(responseContext(200, "g")).body(Buffer.from(body)),
        UpstreamProtocolError,
        body,
      );
    }
  });
});
