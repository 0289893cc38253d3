import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gcpVertexSchemaTranslators } from "../../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import {
  AWKWARD_PIECE_SIZES,
  jsonOf,
  requestInput,
  responseContext,
  runStream,
} from "../anthropic/translator-harness.js";
import {
  GEMINI_MODEL_VERSION,
  streamEvents,
  toolCallAnswer,
  vertexError,
  vertexSse,
} from "./gemini-fixtures.js";

const messages = gcpVertexSchemaTranslators["anthropic-messages"]!;
const SCHEMA = { name: "GCPVertexAI" as const };

const REQUEST = {
  model: "gemini-2.5-flash",
  max_tokens: 256,
  system: "Be brief.",
  messages: [
    { role: "user", content: "Weather in Paris?" },
    {
      role: "assistant",
      content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }],
    },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C" }] },
  ],
  tools: [
    { name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } },
  ],
};

describe("Anthropic Messages -> Gemini (through the chat adapter)", () => {
  it("the request is a generateContent body: system, tool use and result by name, tools, max tokens", () => {
    const out = messages.request(requestInput(REQUEST, { schema: SCHEMA }));
    assert.equal(out.path, "/publishers/google/models/gemini-2.5-flash:generateContent");
    assert.deepEqual(jsonOf(out.body), {
      contents: [
        { role: "user", parts: [{ text: "Weather in Paris?" }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { output: "18C" } } }] },
      ],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      tools: [
        {
          functionDeclarations: [
            { name: "get_weather", parametersJsonSchema: REQUEST.tools[0]!.input_schema },
          ],
        },
      ],
      generationConfig: { maxOutputTokens: 256 },
    });
    const streamed = messages.request(requestInput({ ...REQUEST, stream: true }, { schema: SCHEMA }));
    assert.equal(streamed.path, "/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  });

  it("Anthropic's thinking object becomes thinkingConfig (Gemini returns thought summaries)", () => {
    const out = messages.request(
      requestInput({ ...REQUEST, thinking: { type: "enabled", budget_tokens: 1024 } }, { schema: SCHEMA }),
    );
    assert.deepEqual((jsonOf(out.body) as { generationConfig: unknown }).generationConfig, {
      maxOutputTokens: 256,
      thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
    });
  });

  it("a whole answer is a Message with thinking, text and tool_use blocks, and Gemini's usage", () => {
    const response = messages.response(
      responseContext(200, "gemini-2.5-flash", { request: requestInput(REQUEST, { schema: SCHEMA }) }),
    );
    const out = jsonOf(response.body(Buffer.from(JSON.stringify(toolCallAnswer))).body) as Record<
      string,
      unknown
    >;
    const content = out.content as { type: string; id?: string }[];
    assert.deepEqual(
      content.map((b) => b.type),
      ["thinking", "text", "tool_use", "tool_use"],
    );
    assert.equal(out.stop_reason, "tool_use");
    assert.equal(out.model, GEMINI_MODEL_VERSION);
    assert.deepEqual(out.usage, { input_tokens: 33, output_tokens: 47, cache_read_input_tokens: 8 });
    assert.equal(response.usage.totalTokens, 88);
  });

  it("a stream becomes Anthropic events, with usage in message_delta, whatever the chunk boundaries", () => {
    const request = requestInput({ ...REQUEST, stream: true }, { schema: SCHEMA });
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = messages.response(responseContext(200, "gemini-2.5-flash", { stream: true, request }));
      const sse = runStream(response, vertexSse(streamEvents), size);
      const names = [...sse.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      assert.equal(names[0], "message_start");
      assert.equal(names.at(-1), "message_stop");
      assert.ok(names.includes("content_block_start"));
      assert.match(sse, /"type":"thinking_delta","thinking":"Considering the city…"/);
      assert.match(sse, /"type":"text_delta","text":"Paris — ünïcode."/);
      assert.match(sse, /"type":"tool_use","id":"call_[0-9a-f]{32}","name":"get_weather"/);
      assert.match(sse, /"stop_reason":"tool_use"/);
      assert.match(sse, /"usage":\{"input_tokens":12,"output_tokens":28\}/);
      assert.equal(response.usage.totalTokens, 40);
    }
  });

  it("a Vertex error is an Anthropic error with the same status", () => {
    const response = messages.response(
      responseContext(429, "gemini-2.5-flash", { request: requestInput(REQUEST, { schema: SCHEMA }) }),
    );
    const out = response.body(Buffer.from(vertexError(429, "RESOURCE_EXHAUSTED", "Quota exceeded.")));
    assert.equal(out.status, 429);
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: { type: "rate_limit_error", message: "Quota exceeded." },
    });
  });
});
