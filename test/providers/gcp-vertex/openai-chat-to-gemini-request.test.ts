import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gcpVertexSchemaTranslators } from "../../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { jsonOf, requestInput } from "../anthropic/translator-harness.js";

const chat = gcpVertexSchemaTranslators["openai-chat"]!;
const SCHEMA = { name: "GCPVertexAI" as const };
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function translate(body: Record<string, unknown>, options: { model?: string } = {}) {
  const out = chat.request(requestInput(body, { schema: SCHEMA, ...options }));
  return { path: out.path, body: jsonOf(out.body) as Record<string, unknown> };
}

function refused(body: Record<string, unknown>, message: RegExp, status = 422): void {
  assert.throws(
    () => translate(body),
    (err: unknown) => {
      assert.ok(err instanceof InvalidRequestError, String(err));
      assert.equal(err.status, status);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe("OpenAI chat -> Gemini: path", () => {
  it("generateContent, or streamGenerateContent with alt=sse for a stream, for the (overridden) model", () => {
    const body = { model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] };
    assert.equal(translate(body).path, "/publishers/google/models/gemini-2.5-flash:generateContent");
    assert.equal(
      translate({ ...body, stream: true }).path,
      "/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    assert.equal(
      translate(body, { model: "gemini-2.5-pro" }).path,
      "/publishers/google/models/gemini-2.5-pro:generateContent",
    );
    // A model name cannot change the path: its / ? and : are one segment's characters.
    assert.equal(
      translate(body, { model: "../x?y:z" }).path,
      "/publishers/google/models/..%2Fx%3Fy%3Az:generateContent",
    );
  });

  it("a model name holding a lone surrogate is a 400", () => {
    assert.throws(
      () => chat.request(requestInput({ model: "m", messages: [] }, { schema: SCHEMA, model: "g\ud800" })),
      (err: unknown) => err instanceof InvalidRequestError && err.status === 400,
    );
  });
});

describe("OpenAI chat -> Gemini: conversation", () => {
  it("maps system and developer messages, roles, images, files, audio, tool calls and tool results", () => {
    const { body } = translate({
      model: "gemini-2.5-flash",
      messages: [
        { role: "system", content: "Be terse." },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here? See the photos." },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}`, detail: "high" } },
            { type: "image_url", image_url: { url: "https://example.com/photos/map.JPG?size=large" } },
            { type: "image_url", image_url: { url: "gs://bucket/a.webp" } },
            { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
            { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
          ],
        },
        { role: "developer", content: [{ type: "text", text: "Use metric units." }] },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "call_a",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            {
              id: "call_b",
              type: "function",
              function: { name: "get_time", arguments: "" },
              extra_content: { google: { thought_signature: "c2ln" } },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_b", content: "10:00" },
        {
          role: "tool",
          tool_call_id: "call_a",
          content: [
            { type: "text", text: "18" },
            { type: "text", text: "C" },
          ],
        },
        { role: "user", content: "Thanks" },
      ],
    });
    assert.deepEqual(body.systemInstruction, {
      parts: [{ text: "Be terse." }, { text: "Use metric units." }],
    });
    assert.deepEqual(body.contents, [
      {
        role: "user",
        parts: [
          { text: "Weather here? See the photos." },
          { inlineData: { mimeType: "image/png", data: PNG } },
          { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/photos/map.JPG?size=large" } },
          { fileData: { mimeType: "image/webp", fileUri: "gs://bucket/a.webp" } },
          { inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } },
          { inlineData: { mimeType: "audio/wav", data: "UklGRg==" } },
        ],
      },
      {
        role: "model",
        parts: [
          { text: "Checking." },
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          { functionCall: { name: "get_time", args: {} }, thoughtSignature: "c2ln" },
        ],
      },
      {
        // Both results in one turn (Gemini pairs them with the calls), then the next user text.
        role: "user",
        parts: [
          { functionResponse: { name: "get_time", response: { output: "10:00" } } },
          { functionResponse: { name: "get_weather", response: { output: "18C" } } },
          { text: "Thanks" },
        ],
      },
    ]);
  });

  it("a percent-encoded data URI is sent as base64", () => {
    const { body } = translate({
      model: "m",
      messages: [
        {
          role: "user",
          content: [{ type: "image_url", image_url: { url: "data:image/svg+xml,%3Csvg%2F%3E" } }],
        },
      ],
    });
    const parts = (body.contents as { parts: unknown[] }[])[0]!.parts;
    assert.deepEqual(parts, [
      { inlineData: { mimeType: "image/svg+xml", data: Buffer.from("<svg/>").toString("base64") } },
    ]);
  });

  it("refuses what Gemini cannot be sent, saying why", () => {
    const user = (content: unknown) => ({ model: "m", messages: [{ role: "user", content }] });
    refused(user([{ type: "image_url", image_url: { url: "https://example.com/image" } }]), /media type/);
    refused(
      user([{ type: "image_url", image_url: { url: "ftp://example.com/a.png" } }]),
      /data URI or an http/,
    );
    refused(user([{ type: "image_url", image_url: { url: "data:image/png,%E0%A4%A" } }]), /percent-encoding/);
    refused(user([{ type: "file", file: { file_id: "file-abc" } }]), /file_id/);
    refused(user([{ type: "video" }]), /content part type "video"/);
    refused(
      { model: "m", messages: [{ role: "tool", tool_call_id: "call_x", content: "1" }] },
      /call_x.*no earlier assistant tool call/,
    );
    refused(
      {
        model: "m",
        messages: [
          {
            role: "assistant",
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }],
          },
        ],
      },
      /must be a JSON object/,
    );
    refused({ model: "m", messages: [{ role: "function", name: "f", content: "x" }] }, /role "function"/);
  });
});

describe("OpenAI chat -> Gemini: tools, settings and vendor fields", () => {
  const base = { model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] };
  const weather = {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather of a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], $defs: {} },
    },
  };

  it("tools become functionDeclarations with the JSON Schema as parametersJsonSchema", () => {
    const { body } = translate({
      ...base,
      tools: [weather, { type: "function", function: { name: "noop" } }],
    });
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Weather of a city",
            parametersJsonSchema: weather.function.parameters,
          },
          { name: "noop" },
        ],
      },
    ]);
    assert.equal(body.toolConfig, undefined);
  });

  it("tool_choice auto, none, required and a named function", () => {
    const cases: [unknown, unknown][] = [
      ["auto", { mode: "AUTO" }],
      ["none", { mode: "NONE" }],
      ["required", { mode: "ANY" }],
      [
        { type: "function", function: { name: "get_weather" } },
        { mode: "ANY", allowedFunctionNames: ["get_weather"] },
      ],
    ];
    for (const [choice, config] of cases) {
      const { body } = translate({ ...base, tools: [weather], tool_choice: choice });
      assert.deepEqual(body.toolConfig, { functionCallingConfig: config });
    }
    refused({ ...base, tools: [weather], tool_choice: "sometimes" }, /tool_choice "sometimes"/);
    refused({ ...base, tools: [{ type: "web_search" }] }, /type "web_search"/);
  });

  it("sampling settings, stop, max tokens and logprobs go to generationConfig", () => {
    const { body } = translate({
      ...base,
      temperature: 0.4,
      top_p: 0.9,
      seed: 7,
      n: 2,
      max_tokens: 50,
      max_completion_tokens: 60,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      stop: "END",
      logprobs: true,
      top_logprobs: 3,
      user: "u-1",
      parallel_tool_calls: true,
    });
    assert.deepEqual(body.generationConfig, {
      temperature: 0.4,
      topP: 0.9,
      seed: 7,
      candidateCount: 2,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      logprobs: 3,
      maxOutputTokens: 60,
      stopSequences: ["END"],
      responseLogprobs: true,
    });
    assert.equal(body.user, undefined);
    assert.deepEqual(translate({ ...base, max_tokens: 5, stop: ["a", "b"] }).body.generationConfig, {
      maxOutputTokens: 5,
      stopSequences: ["a", "b"],
    });
    assert.equal(translate(base).body.generationConfig, undefined);
    refused({ ...base, temperature: "hot" }, /temperature "?hot"? is not a number/);
    refused({ ...base, stop: [1] }, /stop must be/);
  });

  it("response_format: text, json_object and json_schema (as responseJsonSchema)", () => {
    assert.equal(translate({ ...base, response_format: { type: "text" } }).body.generationConfig, undefined);
    assert.deepEqual(translate({ ...base, response_format: { type: "json_object" } }).body.generationConfig, {
      responseMimeType: "application/json",
    });
    const schema = { type: "object", properties: { a: { anyOf: [{ type: "string" }, { type: "null" }] } } };
    assert.deepEqual(
      translate({
        ...base,
        response_format: { type: "json_schema", json_schema: { name: "x", schema, strict: true } },
      }).body.generationConfig,
      { responseMimeType: "application/json", responseJsonSchema: schema },
    );
    refused(
      { ...base, response_format: { type: "json_schema", json_schema: { name: "x" } } },
      /json_schema.schema/,
    );
    refused({ ...base, response_format: { type: "grammar" } }, /response_format type "?grammar"?/);
  });

  it("reasoning_effort: a thinking budget for Gemini 2.5, a thinking level for Gemini 3; thinking objects", () => {
    const config = (body: Record<string, unknown>, model?: string) =>
      (translate(body, model ? { model } : {}).body.generationConfig as Record<string, unknown>)
        .thinkingConfig;
    assert.deepEqual(config({ ...base, reasoning_effort: "low" }), { thinkingBudget: 1024 });
    assert.deepEqual(config({ ...base, reasoning_effort: "none" }), { thinkingBudget: 0 });
    assert.deepEqual(config({ ...base, reasoning_effort: "high" }, "gemini-3-pro-preview"), {
      thinkingLevel: "HIGH",
    });
    assert.deepEqual(config({ ...base, thinking: { type: "enabled", budget_tokens: 2048 } }), {
      includeThoughts: true,
      thinkingBudget: 2048,
    });
    assert.deepEqual(config({ ...base, reasoning_effort: "medium", thinking: { type: "enabled" } }), {
      thinkingBudget: 8192,
      includeThoughts: true,
    });
    assert.deepEqual(config({ ...base, thinking: { type: "disabled" } }), { thinkingBudget: 0 });
    assert.throws(
      () => translate({ ...base, reasoning_effort: "none" }, { model: "gemini-3-pro-preview" }),
      /Gemini 3 always thinks/,
    );
    refused({ ...base, reasoning_effort: "extreme" }, /reasoning_effort "?extreme"?/);
  });

  it("Gemini's own safetySettings, labels and cachedContent pass as the client wrote them", () => {
    const safetySettings = [{ category: "HARM_CATEGORY_HATE_SPEECH", threshold: "BLOCK_ONLY_HIGH" }];
    const { body } = translate({
      ...base,
      safetySettings,
      labels: { team: "a" },
      cachedContent: "projects/p/c/1",
    });
    assert.deepEqual(body.safetySettings, safetySettings);
    assert.deepEqual(body.labels, { team: "a" });
    assert.equal(body.cachedContent, "projects/p/c/1");
  });
});
