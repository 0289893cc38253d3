import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicCountTokensAWSAnthropicTranslator as invokeForm } from "../../../src/providers/aws-anthropic/anthropic-count-tokens-aws-anthropic-translator.js";
import { anthropicCountTokensBedrockTranslator as converseForm } from "../../../src/providers/aws-bedrock/anthropic-count-tokens-bedrock-translator.js";
import { loadSchemaTranslators } from "../../../src/providers/registry.js";
import {
  InvalidRequestError,
  type Translator,
  UpstreamProtocolError,
} from "../../../src/providers/translator.js";
import { emptyUsage } from "../../../src/usage/token-usage.js";
import { jsonOf, requestInput, responseContext } from "../anthropic/translator-harness.js";
import { bedrockErrorHeaders } from "../aws-bedrock/bedrock-test-input.js";

const CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const CLAUDE_PATH = "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens";
const awsAnthropic = { name: "AWSAnthropic" as const };
const awsBedrock = { name: "AWSBedrock" as const };

/** The request an Anthropic SDK sends to /v1/messages/count_tokens: no max_tokens, no stream. */
const COUNT_REQUEST = {
  model: CLAUDE,
  system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
  messages: [
    { role: "user", content: "What is the weather in Paris?" },
    {
      role: "assistant",
      content: [{ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } }],
    },
    {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "18 degrees, sunny" }],
    },
  ],
  tools: [
    {
      name: "get_weather",
      description: "Current weather for a city",
      input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  ],
  tool_choice: { type: "auto" },
};

/** The `input` of a CountTokens request body, with an InvokeModel body decoded from its base64. */
function countTokensInput(body: Buffer | string): Record<string, unknown> {
  const parsed = jsonOf(body) as { input: Record<string, unknown> };
  assert.deepEqual(Object.keys(parsed), ["input"]);
  return parsed.input;
}

function decodedInvokeBody(body: Buffer | string): unknown {
  const input = countTokensInput(body) as { invokeModel: { body: string } };
  assert.deepEqual(Object.keys(input), ["invokeModel"]);
  assert.deepEqual(Object.keys(input.invokeModel), ["body"]);
  assert.match(input.invokeModel.body, /^[A-Za-z0-9+/]+={0,2}$/, "a blob travels as standard base64");
  return JSON.parse(Buffer.from(input.invokeModel.body, "base64").toString("utf8"));
}

describe("count_tokens -> Claude on Bedrock (CountTokens, InvokeModel form): request", () => {
  it("wraps the InvokeModel body /v1/messages would send, with the smallest max_tokens, as base64", () => {
    const out = invokeForm.request(
      requestInput(COUNT_REQUEST, {
        schema: awsAnthropic,
        headers: { "anthropic-beta": "token-counting-2024-11-01,files-api-2025-04-14" },
      }),
    );
    assert.equal(out.path, CLAUDE_PATH);
    const { model: _model, ...rest } = COUNT_REQUEST;
    assert.deepEqual(decodedInvokeBody(out.body), {
      anthropic_version: "bedrock-2023-05-31",
      ...rest,
      max_tokens: 1,
      anthropic_beta: ["token-counting-2024-11-01"],
    });
  });

  it("keeps max_tokens > thinking.budget_tokens, as Claude requires; a client's max_tokens is kept", () => {
    const thinking = { type: "enabled", budget_tokens: 2048 };
    const messages = [{ role: "user", content: "Think." }];
    const withBudget = invokeForm.request(
      requestInput({ model: CLAUDE, messages, thinking }, { schema: awsAnthropic }),
    );
    assert.deepEqual(decodedInvokeBody(withBudget.body), {
      anthropic_version: "bedrock-2023-05-31",
      messages,
      thinking,
      max_tokens: 2049,
    });
    const withMax = invokeForm.request(
      requestInput({ model: CLAUDE, messages, thinking, max_tokens: 4096 }, { schema: awsAnthropic }),
    );
    assert.equal((decodedInvokeBody(withMax.body) as { max_tokens: unknown }).max_tokens, 4096);
    const disabled = invokeForm.request(
      requestInput(
        { model: CLAUDE, messages, thinking: { type: "disabled", budget_tokens: 2048 } },
        { schema: awsAnthropic },
      ),
    );
    assert.equal((decodedInvokeBody(disabled.body) as { max_tokens: unknown }).max_tokens, 1);
  });

  it("uses schema.version, counts non-ASCII text intact, and never mutates the client's body", () => {
    const body = { model: "claude", messages: [{ role: "user", content: "Grüße, 世界 🌍" }] };
    const before = structuredClone(body);
    const out = invokeForm.request(
      requestInput(body, { model: CLAUDE, schema: { name: "AWSAnthropic", version: "bedrock-2023-05-31" } }),
    );
    assert.deepEqual(body, before);
    assert.deepEqual(decodedInvokeBody(out.body), {
      anthropic_version: "bedrock-2023-05-31",
      messages: [{ role: "user", content: "Grüße, 世界 🌍" }],
      max_tokens: 1,
    });
  });
});

describe("count_tokens -> Bedrock (CountTokens, Converse form): request", () => {
  it("sends the Converse conversion of /v1/messages, only the members CountTokens takes", () => {
    const out = converseForm.request(
      requestInput({ ...COUNT_REQUEST, max_tokens: 512, temperature: 0.2, top_k: 5 }, { schema: awsBedrock }),
    );
    assert.equal(out.path, CLAUDE_PATH);
    assert.deepEqual(countTokensInput(out.body), {
      converse: {
        messages: [
          { role: "user", content: [{ text: "What is the weather in Paris?" }] },
          {
            role: "assistant",
            content: [{ toolUse: { toolUseId: "toolu_01", name: "get_weather", input: { city: "Paris" } } }],
          },
          {
            role: "user",
            content: [{ toolResult: { toolUseId: "toolu_01", content: [{ text: "18 degrees, sunny" }] } }],
          },
        ],
        system: [{ text: "You are terse." }, { cachePoint: { type: "default" } }],
        toolConfig: {
          tools: [
            {
              toolSpec: {
                name: "get_weather",
                description: "Current weather for a city",
                inputSchema: { json: COUNT_REQUEST.tools[0]?.input_schema },
              },
            },
          ],
          toolChoice: { auto: {} },
        },
        // top_k has no Converse field and travels to the model; inferenceConfig is not taken.
        additionalModelRequestFields: { top_k: 5 },
      },
    });
  });

  it("leaves out what the request does not have", () => {
    const out = converseForm.request(
      requestInput({ model: CLAUDE, messages: [{ role: "user", content: "Hi" }] }, { schema: awsBedrock }),
    );
    assert.deepEqual(countTokensInput(out.body), {
      converse: { messages: [{ role: "user", content: [{ text: "Hi" }] }] },
    });
  });

  it("refuses what Converse cannot express (answered 422), like /v1/messages", () => {
    const image = { type: "image", source: { type: "url", url: "https://example.com/cat.png" } };
    assert.throws(
      () =>
        converseForm.request(
          requestInput(
            { model: CLAUDE, messages: [{ role: "user", content: [image] }] },
            { schema: awsBedrock },
          ),
        ),
      InvalidRequestError,
    );
  });
});

describe("CountTokens model path (both forms)", () => {
  const paths = (model: string) =>
    [invokeForm, converseForm].map(
      (t) =>
        t.request(requestInput({ model, messages: [{ role: "user", content: "x" }] }, { schema: awsBedrock }))
          .path,
    );

  it("counts a cross-Region inference profile by its base Claude model id", () => {
    assert.deepEqual(paths("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), [CLAUDE_PATH, CLAUDE_PATH]);
    assert.deepEqual(paths("global.anthropic.claude-sonnet-4-5-20250929-v1:0"), [CLAUDE_PATH, CLAUDE_PATH]);
    assert.deepEqual(
      paths(
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      ),
      [CLAUDE_PATH, CLAUDE_PATH],
    );
  });

  it("escapes other ids as one path segment, unchanged", () => {
    const nova = "/model/amazon.nova-pro-v1%3A0/count-tokens";
    assert.deepEqual(paths("amazon.nova-pro-v1:0"), [nova, nova]);
    const profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3";
    const escaped = `/model/${encodeURIComponent(profile)}/count-tokens`;
    assert.ok(escaped.includes("%2F"));
    assert.deepEqual(paths(profile), [escaped, escaped]);
  });
});

for (const [name, translator] of [
  ["InvokeModel form", invokeForm],
  ["Converse form", converseForm],
] as [string, Translator][]) {
  describe(`count_tokens <- Bedrock CountTokens (${name}): response`, () => {
    it("answers {input_tokens: N} and counts N as input usage", () => {
      const response = translator.response(
        responseContext(200, CLAUDE, { headers: { "content-type": "application/json" } }),
      );
      const out = response.body(Buffer.from('{"inputTokens":1234}'));
      assert.equal(out.status, 200);
      assert.equal(out.contentType, "application/json");
      assert.deepEqual(jsonOf(out.body), { input_tokens: 1234 });
      assert.deepEqual(response.usage, { ...emptyUsage(), inputTokens: 1234, totalTokens: 1234 });
      assert.equal(response.responseModel, undefined);
    });

    it("gives Bedrock errors the Anthropic envelope and the shared type mapping", () => {
      const cases: [number, string, string, string][] = [
        [
          400,
          "ValidationException",
          "The provided model doesn't support counting tokens.",
          "invalid_request_error",
        ],
        [403, "AccessDeniedException", "You don't have access to the model.", "permission_error"],
        [404, "ResourceNotFoundException", "Model not found.", "not_found_error"],
        [
          429,
          "ThrottlingException",
          "Too many requests, please wait before trying again.",
          "rate_limit_error",
        ],
        [503, "ServiceUnavailableException", "Service unavailable.", "overloaded_error"],
        [500, "InternalServerException", "Internal server error.", "api_error"],
      ];
      for (const [status, bedrockType, message, anthropicType] of cases) {
        const response = translator.response(
          responseContext(status, CLAUDE, { headers: bedrockErrorHeaders(bedrockType) }),
        );
        const out = response.body(Buffer.from(JSON.stringify({ message })));
        assert.equal(out.status, status);
        assert.equal(out.contentType, "application/json");
        assert.deepEqual(jsonOf(out.body), { type: "error", error: { type: anthropicType, message } });
        assert.deepEqual(response.usage, emptyUsage());
      }
    });

    it("wraps a non-JSON error body; a 200 without a count is UpstreamProtocolError", () => {
      const html = translator
        .response(responseContext(503, CLAUDE, { headers: { "content-type": "text/html" } }))
        .body(Buffer.from("<html>Service Unavailable</html>"));
      assert.equal(html.status, 503);
      assert.deepEqual(jsonOf(html.body), {
        type: "error",
        error: { type: "service_unavailable_error", message: "<html>Service Unavailable</html>" },
      });

      for (const body of ['{"message":"ok"}', '{"inputTokens":"12"}', "null", "[]"]) {
        const response = translator.response(responseContext(200, CLAUDE));
        assert.throws(
          () => response.body(Buffer.from(body)),
          (err: unknown) =>
            err instanceof UpstreamProtocolError &&
            err.message === "AWS Bedrock answered 200 to CountTokens without 'inputTokens'",
          body,
        );
        assert.deepEqual(response.usage, emptyUsage());
      }
      for (const body of ["not json", '{"inputTokens":1', ""]) {
        const response = translator.response(responseContext(200, CLAUDE));
        assert.throws(
          () => response.body(Buffer.from(body)),
          (err: unknown) =>
            err instanceof UpstreamProtocolError &&
            err.message.startsWith("AWS Bedrock's CountTokens answer is not JSON: "),
          body,
        );
      }
    });
  });
}

it("the registry serves count_tokens from both AWS schemas", async () => {
  assert.equal((await loadSchemaTranslators("AWSAnthropic"))["anthropic-count-tokens"], invokeForm);
  assert.equal((await loadSchemaTranslators("AWSBedrock"))["anthropic-count-tokens"], converseForm);
});
