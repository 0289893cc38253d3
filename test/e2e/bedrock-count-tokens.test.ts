import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { signAwsRequest } from "../../src/credentials/aws/sign-aws-request.js";
import { emptyUsage } from "../../src/usage/token-usage.js";
import {
  bedrockBackendDocs,
  EXAMPLE_CREDENTIALS,
  type FakeBedrock,
  type FakeBedrockAnswer,
  type FakeBedrockCall,
  startFakeBedrock,
} from "../support/fake-bedrock.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The official Anthropic SDK's `messages.countTokens` through the gateway to Bedrock's CountTokens on
 * the SigV4-verifying fake: Claude on Bedrock (AWSAnthropic) in the InvokeModel form, any Bedrock model
 * (AWSBedrock) in the Converse form. The fake validates both forms as documented and counts one token
 * per word of text, so one request must count the same through both translations.
 */

/** Cross-Region inference profiles: CountTokens only counts by the base model id. */
const INVOKE_PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const CONVERSE_PROFILE = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";
const COUNT_PATH = "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens";
const THROTTLED = "anthropic.claude-throttled";

const SYSTEM = "You are terse.";
const MESSAGES: Anthropic.MessageParam[] = [
  { role: "user", content: "What is the weather in Paris?" },
  {
    role: "assistant",
    content: [{ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } }],
  },
  { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "18 degrees, sunny" }] },
];
const TOOLS: Anthropic.Tool[] = [
  {
    name: "get_weather",
    description: "Current weather for a city",
    input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
];
/**
 * The fake's count, worked out by hand: system 3 words; messages 6 ("What is the weather in Paris?")
 * + 2 (tool name, input "Paris") + 3 ("18 degrees, sunny"); tools 1 (name) + 5 (description) + 1
 * (required "city").
 */
const EXPECTED_TOKENS = 21;

let fake: FakeBedrock;
let gateway: TestGateway;
let anthropic: Anthropic;

before(async () => {
  fake = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS, region: "us-east-1", answer });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      bedrockBackendDocs("claude-invoke", fake, {
        schema: { name: "AWSAnthropic" },
        credentials: EXAMPLE_CREDENTIALS,
      }),
      bedrockBackendDocs("claude-converse", fake, { credentials: EXAMPLE_CREDENTIALS }),
      routeDoc("bedrock", {
        rules: [
          {
            matches: [modelIs("claude-invoke")],
            backendRefs: [{ name: "claude-invoke", modelNameOverride: INVOKE_PROFILE }],
          },
          { matches: [modelIs(THROTTLED)], backendRefs: [{ name: "claude-invoke" }] },
          {
            matches: [modelIs("claude-converse")],
            backendRefs: [{ name: "claude-converse", modelNameOverride: CONVERSE_PROFILE }],
          },
          { matches: [modelIs("amazon.nova-pro-v1:0")], backendRefs: [{ name: "claude-converse" }] },
        ],
      }),
    ),
  );
  anthropic = new Anthropic({ apiKey: "sk-ant-client", baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
});

function answer(call: FakeBedrockCall): FakeBedrockAnswer {
  if (call.modelId === THROTTLED) {
    return {
      status: 429,
      errorType: "ThrottlingException",
      message: "Too many requests, please wait before trying again.",
    };
  }
  return { json: { inputTokens: call.countTokens?.inputTokens } };
}

const observe = <T>(call: () => Promise<T>) => observeCalls(gateway, fake, call);

const countedUsage = (tokens: number) => ({ ...emptyUsage(), inputTokens: tokens, totalTokens: tokens });

test("AWSAnthropic: CountTokens with the InvokeModel body /v1/messages would send, base64 in invokeModel.body", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages.countTokens(
      { model: "claude-invoke", system: SYSTEM, messages: MESSAGES, tools: TOOLS },
      { headers: { "anthropic-beta": "token-counting-2024-11-01,files-api-2025-04-14" } },
    ),
  );
  assert.deepEqual(result, { input_tokens: EXPECTED_TOKENS });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.request.url, COUNT_PATH);
  assert.equal(calls[0]?.countTokens?.form, "invokeModel");
  assert.deepEqual(calls[0]?.countTokens?.request, {
    anthropic_version: "bedrock-2023-05-31",
    system: SYSTEM,
    messages: MESSAGES,
    tools: TOOLS,
    max_tokens: 1,
    anthropic_beta: ["token-counting-2024-11-01"],
  });
  assert.equal(record.api, "anthropic-count-tokens");
  assert.equal(record.status, 200);
  assert.equal(record.backend, "default/claude-invoke");
  assert.deepEqual(record.usage, countedUsage(EXPECTED_TOKENS));
});

test("AWSAnthropic: with thinking on, max_tokens exceeds the budget, as Bedrock validates", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages.countTokens({
      model: "claude-invoke",
      messages: [{ role: "user", content: "Think it through." }],
      thinking: { type: "enabled", budget_tokens: 2048 },
    }),
  );
  assert.deepEqual(result, { input_tokens: 3 });
  assert.deepEqual(calls[0]?.countTokens?.request, {
    anthropic_version: "bedrock-2023-05-31",
    messages: [{ role: "user", content: "Think it through." }],
    thinking: { type: "enabled", budget_tokens: 2048 },
    max_tokens: 2049,
  });
  assert.deepEqual(record.usage, countedUsage(3));
});

test("AWSBedrock: CountTokens in the Converse form counts the same request the same", async () => {
  const { result, calls, record } = await observe(() =>
    anthropic.messages.countTokens({
      model: "claude-converse",
      system: SYSTEM,
      messages: MESSAGES,
      tools: TOOLS,
      tool_choice: { type: "auto" },
    }),
  );
  assert.deepEqual(result, { input_tokens: EXPECTED_TOKENS });
  assert.equal(calls[0]?.request.url, COUNT_PATH);
  assert.equal(calls[0]?.countTokens?.form, "converse");
  assert.deepEqual(calls[0]?.countTokens?.request, {
    system: [{ text: SYSTEM }],
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
    toolConfig: {
      tools: [
        {
          toolSpec: {
            name: "get_weather",
            description: "Current weather for a city",
            inputSchema: { json: TOOLS[0]?.input_schema },
          },
        },
      ],
      toolChoice: { auto: {} },
    },
  });
  assert.equal(record.backend, "default/claude-converse");
  assert.deepEqual(record.usage, countedUsage(EXPECTED_TOKENS));
});

test("Bedrock errors reach the SDK in the Anthropic envelope with Anthropic's error types", async () => {
  const unsupported = await observe(() =>
    anthropic.messages
      .countTokens({ model: "amazon.nova-pro-v1:0", messages: [{ role: "user", content: "hi" }] })
      .catch((err: unknown) => err),
  );
  assert.ok(unsupported.result instanceof Anthropic.BadRequestError);
  assert.deepEqual((unsupported.result.error as { error: unknown }).error, {
    type: "invalid_request_error",
    message: "The provided model doesn't support counting tokens.",
  });
  assert.equal(unsupported.record.status, 400);
  assert.deepEqual(unsupported.record.usage, emptyUsage());

  const throttled = await observe(() =>
    anthropic.messages
      .countTokens({ model: THROTTLED, messages: [{ role: "user", content: "hi" }] })
      .catch((err: unknown) => err),
  );
  assert.ok(throttled.result instanceof Anthropic.RateLimitError);
  assert.deepEqual((throttled.result.error as { error: unknown }).error, {
    type: "rate_limit_error",
    message: "Too many requests, please wait before trying again.",
  });
  assert.equal(throttled.calls[0]?.request.url, "/model/anthropic.claude-throttled/count-tokens");
  assert.deepEqual(throttled.record.usage, emptyUsage());
});

test("what Converse cannot express is refused by the gateway (422) before Bedrock is called", async () => {
  const { result, calls } = await observe(() =>
    anthropic.messages
      .countTokens({
        model: "claude-converse",
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "url", url: "https://example.com/cat.png" } }],
          },
        ],
      })
      .catch((err: unknown) => err),
  );
  assert.ok(result instanceof Anthropic.UnprocessableEntityError);
  assert.equal(calls.length, 0);
});

/** Sends `body` to the fake's CountTokens for `modelId`, signed as the gateway signs; status and JSON back. */
async function countTokensDirect(modelId: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const url = new URL(`${fake.url}/model/${encodeURIComponent(modelId)}/count-tokens`);
  const request = {
    method: "POST",
    path: url.pathname,
    authority: url.host,
    headers: { "content-type": "application/json" } as Record<string, string>,
    body: JSON.stringify(body),
    clientHeaders: {},
  };
  signAwsRequest(request, EXAMPLE_CREDENTIALS, "us-east-1", "bedrock");
  const response = await fetch(url, { method: "POST", headers: request.headers, body: request.body });
  return { status: response.status, json: await response.json() };
}

test("the fake refuses CountTokens requests Bedrock refuses, so the tests above prove the shapes", async () => {
  const base = "anthropic.claude-sonnet-4-5-20250929-v1:0";
  const claudeBody = {
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: 1,
    messages: [{ role: "user", content: "hi" }],
  };
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");
  const ok = await countTokensDirect(base, { input: { invokeModel: { body: b64(claudeBody) } } });
  assert.deepEqual(ok, { status: 200, json: { inputTokens: 1 } });

  const refused: [string, string, unknown][] = [
    [
      INVOKE_PROFILE,
      "doesn't support counting tokens",
      { input: { invokeModel: { body: b64(claudeBody) } } },
    ],
    [base, "not valid base64", { input: { invokeModel: { body: JSON.stringify(claudeBody) } } }],
    [
      base,
      "extraneous key [model]",
      { input: { invokeModel: { body: b64({ ...claudeBody, model: base }) } } },
    ],
    [
      base,
      "required key [max_tokens]",
      { input: { invokeModel: { body: b64({ ...claudeBody, max_tokens: undefined }) } } },
    ],
    [
      base,
      "must be greater than `thinking.budget_tokens`",
      {
        input: {
          invokeModel: { body: b64({ ...claudeBody, thinking: { type: "enabled", budget_tokens: 1024 } }) },
        },
      },
    ],
    [
      base,
      "extraneous key [inferenceConfig]",
      {
        input: {
          converse: {
            messages: [{ role: "user", content: [{ text: "hi" }] }],
            inferenceConfig: { maxTokens: 1 },
          },
        },
      },
    ],
    [base, "exactly one of", { input: { converse: {}, invokeModel: { body: b64(claudeBody) } } }],
    [base, "'input'", { messages: [{ role: "user", content: "hi" }] }],
  ];
  for (const [modelId, message, body] of refused) {
    const { status, json } = await countTokensDirect(modelId, body);
    assert.equal(status, 400, message);
    assert.ok(
      String((json as { message?: unknown }).message).includes(message),
      `${message}: ${JSON.stringify(json)}`,
    );
  }
});
