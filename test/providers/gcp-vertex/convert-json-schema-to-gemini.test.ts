import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { convertJsonSchemaToGemini } from "../../../src/providers/gcp-vertex/convert-json-schema-to-gemini.js";
import { gcpVertexSchemaTranslators } from "../../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { jsonOf, requestInput } from "../anthropic/translator-harness.js";

describe("JSON Schema -> Gemini Schema (models before Gemini 2.5)", () => {
  it("upper-cases types, expands $refs, turns null types into nullable, const into enum, drops what Gemini lacks", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      additionalProperties: false,
      properties: {
        city: { type: "string", description: "City name", minLength: 1 },
        unit: { type: ["string", "null"], enum: ["c", "f", null] },
        kind: { const: "weather" },
        days: { type: "array", items: { $ref: "#/$defs/day" }, maxItems: 7 },
        either: { oneOf: [{ type: "integer", minimum: 0 }, { type: "boolean" }] },
        wrapped: { allOf: [{ $ref: "#/definitions/old" }], description: "kept" },
      },
      required: ["city"],
      $defs: { day: { type: "object", properties: { date: { type: "string", format: "date" } } } },
      definitions: { old: { type: "number" } },
    };
    assert.deepEqual(convertJsonSchemaToGemini(schema), {
      required: ["city"],
      type: "OBJECT",
      properties: {
        city: { description: "City name", minLength: 1, type: "STRING" },
        unit: { enum: ["c", "f"], nullable: true, type: "STRING" },
        kind: { enum: ["weather"], type: "STRING" },
        days: {
          maxItems: 7,
          items: { type: "OBJECT", properties: { date: { format: "date", type: "STRING" } } },
          type: "ARRAY",
        },
        either: { anyOf: [{ minimum: 0, type: "INTEGER" }, { type: "BOOLEAN" }] },
        wrapped: { description: "kept", type: "NUMBER" },
      },
    });
  });

  it("a recursive schema or a dangling $ref is a 422", () => {
    const recursive = {
      $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } },
      $ref: "#/$defs/node",
    };
    assert.throws(
      () => convertJsonSchemaToGemini(recursive),
      (err: unknown) => err instanceof InvalidRequestError && /recursive/.test(err.message),
    );
    assert.throws(() => convertJsonSchemaToGemini({ $ref: "#/$defs/missing" }), InvalidRequestError);
  });

  it("Gemini 2.0 gets `parameters` and `responseSchema`; Gemini 2.5 the JSON Schema as written", () => {
    const parameters = {
      type: "object",
      properties: { city: { type: "string" } },
      additionalProperties: false,
    };
    const body = {
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      tools: [{ type: "function", function: { name: "f", parameters } }],
      response_format: { type: "json_schema", json_schema: { name: "out", schema: parameters } },
    };
    const chat = gcpVertexSchemaTranslators["openai-chat"]!;
    const send = (model: string) =>
      jsonOf(chat.request(requestInput(body, { schema: { name: "GCPVertexAI" }, model })).body) as {
        tools: { functionDeclarations: Record<string, unknown>[] }[];
        generationConfig: Record<string, unknown>;
      };
    const converted = { type: "OBJECT", properties: { city: { type: "STRING" } } };
    const old = send("gemini-2.0-flash-001");
    assert.deepEqual(old.tools[0]!.functionDeclarations[0], { name: "f", parameters: converted });
    assert.deepEqual(old.generationConfig, {
      responseMimeType: "application/json",
      responseSchema: converted,
    });
    const current = send("gemini-2.5-pro");
    assert.deepEqual(current.tools[0]!.functionDeclarations[0], {
      name: "f",
      parametersJsonSchema: parameters,
    });
    assert.deepEqual(current.generationConfig, {
      responseMimeType: "application/json",
      responseJsonSchema: parameters,
    });
  });
});
