import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicSchemaTranslators } from "../../src/providers/anthropic/anthropic-schema-translators.js";
import { awsAnthropicSchemaTranslators } from "../../src/providers/aws-anthropic/aws-anthropic-schema-translators.js";
import { bedrockSchemaTranslators } from "../../src/providers/aws-bedrock/bedrock-schema-translators.js";
import { sageMakerSchemaTranslators } from "../../src/providers/aws-sagemaker/sagemaker-schema-translators.js";
import { azureOpenAISchemaTranslators } from "../../src/providers/azure-openai/azure-openai-schema-translators.js";
import { cohereSchemaTranslators } from "../../src/providers/cohere/cohere-schema-translators.js";
import { gcpAnthropicSchemaTranslators } from "../../src/providers/gcp-anthropic/gcp-anthropic-schema-translators.js";
import { gcpVertexSchemaTranslators } from "../../src/providers/gcp-vertex/gcp-vertex-schema-translators.js";
import { MAX_JSON_DEPTH } from "../../src/providers/json-depth-limit.js";
import { openAISchemaTranslators } from "../../src/providers/openai/openai-schema-translators.js";
import {
  type BackendSchemaName,
  type ClientApi,
  InvalidRequestError,
  type SchemaTranslators,
  type TranslateRequestInput,
  type Translator,
} from "../../src/providers/translator.js";

/**
 * Client input that no translator may turn into a crash (a 500): JSON nested deeper than the
 * translators walk, model names that cannot go into a Bedrock path, and bodies whose arrays hold
 * null or other non-objects where objects belong. Each is refused with InvalidRequestError: 400 for
 * what the gateway itself finds malformed, 422 for what the backend cannot express.
 */

const TABLES: Record<string, SchemaTranslators> = {
  OpenAI: openAISchemaTranslators,
  Anthropic: anthropicSchemaTranslators,
  AWSBedrock: bedrockSchemaTranslators,
  AWSAnthropic: awsAnthropicSchemaTranslators,
  AzureOpenAI: azureOpenAISchemaTranslators,
  GCPVertexAI: gcpVertexSchemaTranslators,
  GCPAnthropic: gcpAnthropicSchemaTranslators,
  Cohere: cohereSchemaTranslators,
  "aigw/AWSSageMaker": sageMakerSchemaTranslators,
};

/** Pairs that forward the client's bytes as they are, so nothing walks the JSON. */
const PASSTHROUGH = new Set([
  "OpenAI openai-chat",
  "OpenAI openai-completions",
  "OpenAI openai-embeddings",
  "OpenAI openai-images",
  "OpenAI openai-responses",
  "OpenAI openai-responses-input-tokens",
  "AzureOpenAI openai-chat",
  "AzureOpenAI openai-completions",
  "AzureOpenAI openai-embeddings",
  "AzureOpenAI openai-images",
  "AzureOpenAI openai-responses",
  "AzureOpenAI openai-responses-input-tokens",
  "OpenAI openai-audio-speech",
  "OpenAI openai-audio-transcriptions",
  "OpenAI openai-audio-translations",
  "OpenAI tokenize",
  "Anthropic anthropic-messages",
  "Anthropic anthropic-count-tokens",
  "Cohere cohere-rerank",
  "Cohere openai-chat",
  "Cohere openai-embeddings",
  "aigw/AWSSageMaker openai-chat",
  "aigw/AWSSageMaker openai-completions",
  "aigw/AWSSageMaker openai-embeddings",
]);

/** The model is a SageMaker endpoint's name there, which a Bedrock model id cannot be. */
function forSchema(schema: string, raw: string): string {
  return schema === "aigw/AWSSageMaker" ? raw.replace(MODEL, "my-endpoint") : raw;
}

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

function input(
  schema: string,
  raw: string,
  options: { stream?: boolean; forceIncludeUsage?: boolean; model?: string } = {},
): TranslateRequestInput {
  const body = JSON.parse(raw) as Record<string, unknown>;
  const model = options.model ?? String(body.model);
  return {
    body,
    raw: Buffer.from(raw),
    model,
    modelOverridden: model !== body.model,
    stream: options.stream ?? false,
    forceIncludeUsage: options.forceIncludeUsage ?? false,
    schema: { name: schema as BackendSchemaName },
    headers: {},
  };
}

/** A client body for `api` whose tool schema (or an extra field) holds `value`. */
function bodyWith(api: ClientApi, value: string): string {
  switch (api) {
    case "openai-chat":
      return `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${value}}}]}`;
    case "anthropic-messages":
      return `{"model":"${MODEL}","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":${value}}]}`;
    case "anthropic-count-tokens":
      return `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":${value}}]}`;
    case "openai-embeddings":
      return `{"model":"${MODEL}","input":"x","extra":${value}}`;
    case "openai-completions":
      return `{"model":"${MODEL}","prompt":"x","extra":${value}}`;
    case "openai-images":
      return `{"model":"${MODEL}","prompt":"x","extra":${value}}`;
    case "tokenize":
      // vLLM's request shape: a prompt (or chat messages).
      return `{"model":"${MODEL}","prompt":"x","extra":${value}}`;
    default:
      // Any other JSON API: an extra top-level field holds the value.
      return `{"model":"${MODEL}","input":"x","extra":${value}}`;
  }
}

function everyPair(): { name: string; schema: string; api: ClientApi; translator: Translator }[] {
  const pairs = [];
  for (const [schema, table] of Object.entries(TABLES)) {
    for (const [api, translator] of Object.entries(table) as [ClientApi, Translator][]) {
      pairs.push({ name: `${schema} ${api}`, schema, api, translator });
    }
  }
  return pairs;
}

/** `value` nested in arrays down to `depth` levels in all: the body's own levels count too. */
function nestedSchema(api: ClientApi, depth: number): string {
  const envelope = bodyLevels(api);
  const inner = depth - envelope;
  return "[".repeat(inner) + "]".repeat(inner);
}

/** How many levels of arrays and objects the body of bodyWith puts around its value. */
function bodyLevels(api: ClientApi): number {
  return api === "openai-chat" ? 4 : api.startsWith("anthropic") ? 3 : 1;
}

function refused(fn: () => unknown, status: 400 | 422, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidRequestError, `expected InvalidRequestError, got ${String(err)}`);
    assert.equal(err.status, status, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe("JSON nested deeper than the translators walk", () => {
  for (const { name, schema, api, translator } of everyPair()) {
    const deepRaw = forSchema(schema, bodyWith(api, nestedSchema(api, 8000)));
    if (PASSTHROUGH.has(name)) {
      it(`${name}: forwarded as the client's bytes, whatever its depth`, () => {
        const out = translator.request(input(schema, deepRaw));
        assert.equal(Buffer.from(out.body).toString(), deepRaw);
      });
      continue;
    }
    it(`${name}: 8,000 levels are refused with a 400, not a stack overflow`, () => {
      refused(() => translator.request(input(schema, deepRaw)), 400, /nested more than 128 levels deep/);
      refused(() => translator.request(input(schema, deepRaw, { stream: true })), 400);
    });
    it(`${name}: ${MAX_JSON_DEPTH} levels are translated, ${MAX_JSON_DEPTH + 1} are not`, () => {
      const atLimit = bodyWith(api, nestedSchema(api, MAX_JSON_DEPTH));
      translator.request(input(schema, atLimit));
      const overLimit = bodyWith(api, nestedSchema(api, MAX_JSON_DEPTH + 1));
      refused(() => translator.request(input(schema, overLimit)), 400);
    });
  }

  it("an OpenAI passthrough that must rebuild the body (forced usage beside stream_options) is bounded too", () => {
    const chat = openAISchemaTranslators["openai-chat"]!;
    const deep = "[".repeat(8000) + "]".repeat(8000);
    const raw = `{"model":"m","stream":true,"stream_options":{},"messages":[],"extra":${deep}}`;
    refused(() => chat.request(input("OpenAI", raw, { stream: true, forceIncludeUsage: true })), 400);
    // Shallow bodies of that shape are still rebuilt with include_usage.
    const shallow = '{"model":"m","stream":true,"stream_options":{"x":1},"messages":[]}';
    const out = chat.request(input("OpenAI", shallow, { stream: true, forceIncludeUsage: true }));
    assert.deepEqual(JSON.parse(String(out.body)).stream_options, { x: 1, include_usage: true });
  });
});

describe("a model name that is not valid Unicode on a Bedrock backend", () => {
  for (const { name, schema, api, translator } of everyPair()) {
    if (schema !== "AWSBedrock" && schema !== "AWSAnthropic") continue;
    it(`${name}: a lone surrogate in the model is a 400, not a URIError`, () => {
      for (const model of ["\ud800", `${MODEL}\udfff`, "x\ud83d"]) {
        const raw = bodyWith(api, "{}").replace(JSON.stringify(MODEL), JSON.stringify(model));
        refused(() => translator.request(input(schema, raw, { model })), 400, /lone surrogate/);
      }
      // A well-formed non-ASCII name is only percent-encoded.
      const raw = bodyWith(api, "{}");
      const out = translator.request(input(schema, raw, { model: "模型:0" }));
      assert.match(out.path, /^\/model\/%E6%A8%A1%E5%9E%8B%3A0\//);
    });
  }
});

/** Anthropic Messages bodies with a null or other non-object where an object belongs. */
const BAD_ANTHROPIC_BODIES: [string, Record<string, unknown>][] = [
  ["tools: [null]", { tools: [null] }],
  ["tools: [1]", { tools: [1] }],
  ["tools: [[]]", { tools: [[]] }],
  ['tools: ["x"]', { tools: ["x"] }],
  ["messages: [null]", { messages: [null] }],
  ["messages: [1]", { messages: [1] }],
  ["content: [null]", { messages: [{ role: "user", content: [null] }] }],
  ["assistant content: [null]", { messages: [{ role: "assistant", content: [null] }] }],
  ["content: 1", { messages: [{ role: "user", content: 1 }] }],
  ["system: [null]", { system: [null] }],
  ["system: 1", { system: 1 }],
  [
    "tool_result content: [null]",
    { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [null] }] }] },
  ],
  ['tool_choice: "auto"', { tool_choice: "auto", tools: [{ name: "f", input_schema: {} }] }],
  ["tool_choice: 1", { tool_choice: 1, tools: [{ name: "f", input_schema: {} }] }],
  ["tool_choice: []", { tool_choice: [], tools: [{ name: "f", input_schema: {} }] }],
  ['tool_choice type "x"', { tool_choice: { type: "x" }, tools: [{ name: "f", input_schema: {} }] }],
  ["a type that cannot be printed", { messages: [{ role: "user", content: [{ type: { toString: 1 } }] }] }],
  ["a role that cannot be printed", { messages: [{ role: { toString: 1, valueOf: 1 }, content: "x" }] }],
  [
    "a tool_choice type that cannot be printed",
    { tool_choice: { type: { toString: 1 } }, tools: [{ name: "f", input_schema: {} }] },
  ],
];

/** OpenAI chat bodies with a null or other non-object where an object belongs. */
const BAD_CHAT_BODIES: [string, Record<string, unknown>][] = [
  ["tools: [null]", { tools: [null] }],
  ["tools: [1]", { tools: [1] }],
  ["messages: [null]", { messages: [null] }],
  ["content: [null]", { messages: [{ role: "user", content: [null] }] }],
  ["assistant content: [null]", { messages: [{ role: "assistant", content: [null] }] }],
  ["system content: [null]", { messages: [{ role: "system", content: [null] }] }],
  ["tool_calls: [null]", { messages: [{ role: "assistant", content: "x", tool_calls: [null] }] }],
  ["tool_choice: 1", { tool_choice: 1, tools: [{ type: "function", function: { name: "f" } }] }],
  ["tool_choice: []", { tool_choice: [], tools: [{ type: "function", function: { name: "f" } }] }],
  [
    "a part type that cannot be printed",
    { messages: [{ role: "user", content: [{ type: { toString: 1 } }] }] },
  ],
  ["a role that cannot be printed", { messages: [{ role: { toString: 1 }, content: "x" }] }],
  ["a tool type that cannot be printed", { tools: [{ type: { toString: 1 }, function: { name: "f" } }] }],
];

describe("non-objects where objects belong are 422s", () => {
  const anthropicBase = { model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
  for (const { name, schema, api, translator } of everyPair()) {
    if (PASSTHROUGH.has(name)) continue;
    const cases =
      api === "anthropic-messages" || api === "anthropic-count-tokens"
        ? BAD_ANTHROPIC_BODIES
        : api === "openai-chat"
          ? BAD_CHAT_BODIES
          : [];
    if (cases.length === 0) continue;
    // Claude on Bedrock (InvokeModel) and on Vertex take the Messages body as it is: the cloud validates it.
    if ((schema === "AWSAnthropic" || schema === "GCPAnthropic") && api !== "openai-chat") continue;
    for (const [label, patch] of cases) {
      it(`${name}: ${label}`, () => {
        const base =
          api === "openai-chat"
            ? { model: MODEL, messages: [{ role: "user", content: "hi" }] }
            : anthropicBase;
        const raw = JSON.stringify({ ...base, ...patch });
        refused(() => translator.request(input(schema, raw)), 422);
      });
    }
  }

  it("chat -> Claude: a temperature that cannot be printed is a 422 naming it", () => {
    for (const translator of [
      anthropicSchemaTranslators["openai-chat"]!,
      awsAnthropicSchemaTranslators["openai-chat"]!,
      gcpAnthropicSchemaTranslators["openai-chat"]!,
    ]) {
      const raw = JSON.stringify({ model: MODEL, messages: [], temperature: { toString: 1 } });
      refused(() => translator.request(input("Anthropic", raw)), 422, /temperature \{"toString":1\}/);
    }
  });

  it("a data URI with malformed percent-encoding is a 422, not a URIError", () => {
    for (const translator of [
      anthropicSchemaTranslators["openai-chat"]!,
      awsAnthropicSchemaTranslators["openai-chat"]!,
      gcpAnthropicSchemaTranslators["openai-chat"]!,
    ]) {
      const raw = JSON.stringify({
        model: MODEL,
        messages: [
          { role: "user", content: [{ type: "file", file: { file_data: "data:image/png,%E0%A4%A" } }] },
        ],
      });
      refused(() => translator.request(input("Anthropic", raw)), 422, /percent-encoding/);
    }
  });
});
