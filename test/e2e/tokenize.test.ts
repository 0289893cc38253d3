import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  bedrockBackendDocs,
  EXAMPLE_CREDENTIALS,
  type FakeBedrock,
  startFakeBedrock,
} from "../support/fake-bedrock.js";
import {
  FAKE_MAX_MODEL_LEN,
  type FakeOpenAIAudio,
  startFakeOpenAIAudio,
} from "../support/fake-openai-audio.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * POST /tokenize (vLLM's request shape) over raw HTTP: to a fake vLLM (OpenAI schema) it passes and
 * vLLM's answer comes back as it is; to Bedrock (Converse form) and Claude on Bedrock (InvokeModel
 * form) it becomes CountTokens on the SigV4-verifying fake and answers {"count": N}. Both fakes count
 * one token per word, so the same request counts the same everywhere; the count is input usage.
 */

const PROMPT = "What is the weather in Paris?";
const MESSAGES = [
  { role: "system", content: "You are terse." },
  { role: "user", content: PROMPT },
];
/** 6 words of the prompt; with the system message's 3. */
const PROMPT_TOKENS = 6;
const MESSAGES_TOKENS = 9;
const CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const COUNT_PATH = "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens";

let vllm: FakeOpenAIAudio;
let bedrock: FakeBedrock;
let gateway: TestGateway;

before(async () => {
  vllm = await startFakeOpenAIAudio();
  bedrock = await startFakeBedrock({ credentials: EXAMPLE_CREDENTIALS, region: "us-east-1" });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("vllm", vllm.url),
      bedrockBackendDocs("converse", bedrock, { credentials: EXAMPLE_CREDENTIALS }),
      bedrockBackendDocs("invoke", bedrock, {
        schema: { name: "AWSAnthropic" },
        credentials: EXAMPLE_CREDENTIALS,
      }),
      routeDoc("tokenize", {
        rules: [
          {
            matches: [modelIs("llama")],
            backendRefs: [{ name: "vllm", modelNameOverride: "meta-llama/Llama-3.1-8B" }],
          },
          {
            matches: [modelIs("claude-converse")],
            backendRefs: [{ name: "converse", modelNameOverride: CLAUDE }],
          },
          {
            matches: [modelIs("claude-invoke")],
            backendRefs: [{ name: "invoke", modelNameOverride: `us.${CLAUDE}` }],
          },
          { matches: [modelIs("amazon.nova-pro-v1:0")], backendRefs: [{ name: "converse" }] },
        ],
      }),
    ),
  );
});

after(async () => {
  await gateway?.close();
  await vllm?.close();
  await bedrock?.close();
});

async function tokenize(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}/tokenize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("/tokenize to vLLM", () => {
  test("a prompt passes to the root /tokenize (model overridden) and vLLM's answer comes back", async () => {
    const { result, calls, record } = await observeCalls(gateway, vllm, () =>
      tokenize({ model: "llama", prompt: PROMPT, add_special_tokens: true }),
    );
    assert.equal(vllm.requests.at(-1)!.url, "/tokenize");
    assert.deepEqual(calls, [
      {
        kind: "tokenize",
        body: { model: "meta-llama/Llama-3.1-8B", prompt: PROMPT, add_special_tokens: true },
      },
    ]);
    assert.equal(result.status, 200);
    assert.equal(result.json.count, PROMPT_TOKENS);
    assert.equal(result.json.max_model_len, FAKE_MAX_MODEL_LEN);
    assert.equal((result.json.tokens as number[]).length, PROMPT_TOKENS);
    assert.equal(record.operation, "tokenize");
    assert.equal(record.usage.inputTokens, PROMPT_TOKENS);
    assert.equal(record.usage.totalTokens, PROMPT_TOKENS);
  });

  test("chat messages pass as they are", async () => {
    const { result, calls } = await observeCalls(gateway, vllm, () =>
      tokenize({ model: "llama", messages: MESSAGES }),
    );
    assert.deepEqual(calls[0], {
      kind: "tokenize",
      body: { model: "meta-llama/Llama-3.1-8B", messages: MESSAGES },
    });
    assert.equal(result.json.count, MESSAGES_TOKENS);
  });
});

describe("/tokenize to Bedrock CountTokens", () => {
  for (const [model, form] of [
    ["claude-converse", "converse"],
    ["claude-invoke", "invokeModel"],
  ] as const) {
    test(`${model}: a prompt is counted in the ${form} form and answered as {"count": N}`, async () => {
      const { result, calls, record } = await observeCalls(gateway, bedrock, () =>
        tokenize({ model, prompt: PROMPT }),
      );
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.operation, "count-tokens");
      assert.equal(calls[0]!.request.url, COUNT_PATH);
      assert.equal(calls[0]!.countTokens?.form, form);
      assert.equal(result.status, 200);
      assert.deepEqual(result.json, { count: PROMPT_TOKENS });
      assert.equal(record.usage.inputTokens, PROMPT_TOKENS);
      assert.equal(record.operation, "tokenize");
    });

    test(`${model}: chat messages (system included) are counted`, async () => {
      const { result, calls } = await observeCalls(gateway, bedrock, () =>
        tokenize({ model, messages: MESSAGES }),
      );
      assert.equal(calls[0]!.countTokens?.form, form);
      assert.deepEqual(result.json, { count: MESSAGES_TOKENS });
    });
  }

  test("a Bedrock error comes back in the OpenAI envelope with its status and type", async () => {
    const { status, json } = await tokenize({ model: "amazon.nova-pro-v1:0", prompt: PROMPT });
    assert.equal(status, 400);
    const error = json.error as { type: string; message: string };
    assert.equal(json.type, "error");
    assert.equal(error.type, "ValidationException");
    assert.match(error.message, /doesn't support counting tokens/);
  });

  test("neither prompt nor messages is a 400 before anything is sent", async () => {
    const before = bedrock.requests.length;
    const { status, json } = await tokenize({ model: "claude-converse", text: PROMPT });
    assert.equal(status, 400);
    assert.equal((json.error as { type: string }).type, "BadRequest");
    assert.equal(bedrock.requests.length, before);
  });

  test("a missing model is a 400", async () => {
    const { status, json } = await tokenize({ prompt: PROMPT });
    assert.equal(status, 400);
    assert.match((json.error as { message: string }).message, /model field is required/);
  });
});
