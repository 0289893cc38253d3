import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { expectedUsage } from "../support/expected-usage.js";
import {
  AZURE_CHAT_TEXT,
  AZURE_CHAT_USAGE,
  AZURE_COMPLETION_TEXT,
  AZURE_COMPLETION_USAGE,
  AZURE_EMBEDDING,
  AZURE_EMBEDDING_USAGE,
  AZURE_IMAGE_B64,
  AZURE_IMAGE_USAGE,
  azureBackendDocs,
  type FakeAzureOpenAI,
  startFakeAzureOpenAI,
} from "../support/fake-azure-openai.js";
import {
  answeringModel,
  countFakeInputTokens,
  RESPONSES_TEXT,
  RESPONSES_USAGE,
} from "../support/fake-responses-api.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The official OpenAI SDK -> gateway -> a fake Azure OpenAI resource that checks the deployment path,
 * the api-version and the `api-key` header (AzureAPIKey). Chat (plain and streamed), completions,
 * embeddings and the Responses API; Azure's own errors reach the SDK in the OpenAI envelope they
 * already have; usage is counted from Azure's answers, streams included.
 */

const API_VERSION = "2025-01-01-preview";
const AZURE_KEY = "azure-key-0123456789abcdef";
/** An Entra token a client brings itself (credentialOverride), which the fake accepts. */
const CLIENT_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.client-own-token";
const DEPLOYMENTS = {
  "gpt-4o-prod": "gpt-4o-2024-08-06",
  "embed-prod": "text-embedding-3-small",
  "instruct-prod": "gpt-35-turbo-instruct",
  "image-prod": "gpt-image-1",
};

let fake: FakeAzureOpenAI;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  fake = await startFakeAzureOpenAI({
    apiVersion: API_VERSION,
    deployments: DEPLOYMENTS,
    apiKey: AZURE_KEY,
    acceptsToken: (token) => token === CLIENT_TOKEN,
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      azureBackendDocs("azure", fake.url, { version: API_VERSION, apiKey: AZURE_KEY }),
      azureBackendDocs("azure-wrong-key", fake.url, { version: API_VERSION, apiKey: "not-the-key" }),
      // AzureCredentials whose configured secret is never used: clients must bring their own token.
      azureBackendDocs("azure-byo-token", fake.url, {
        version: API_VERSION,
        entra: { tenantID: "tenant-1", clientID: "app-1", clientSecret: "unused-secret" },
        override: { fallbackToConfigured: false },
      }),
      routeDoc("azure", {
        rules: [
          {
            matches: [modelIs("gpt-4o")],
            backendRefs: [{ name: "azure", modelNameOverride: "gpt-4o-prod" }],
          },
          {
            matches: [
              modelIs("gpt-4o-prod"),
              modelIs("embed-prod"),
              modelIs("instruct-prod"),
              modelIs("image-prod"),
              modelIs("no-such-deployment"),
            ],
            backendRefs: [{ name: "azure" }],
          },
          {
            matches: [modelIs("byo-token")],
            backendRefs: [{ name: "azure-byo-token", modelNameOverride: "gpt-4o-prod" }],
          },
          {
            matches: [modelIs("wrong-key")],
            backendRefs: [{ name: "azure-wrong-key", modelNameOverride: "gpt-4o-prod" }],
          },
        ],
      }),
      routeDoc("azure-metered", {
        rules: [
          {
            matches: [modelIs("metered")],
            backendRefs: [{ name: "azure", modelNameOverride: "gpt-4o-prod" }],
          },
        ],
        llmRequestCosts: [{ metadataKey: "total", type: "TotalToken" }],
      }),
    ),
  );
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
});

const MESSAGES: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
  { role: "user", content: "Say hello in French." },
];

function assertAzureRequest(
  call: { request: { url: string; headers: Record<string, unknown> }; auth: string },
  path: string,
): void {
  assert.equal(call.request.url, `${path}?api-version=${API_VERSION}`);
  assert.equal(call.auth, "api-key");
  assert.equal(call.request.headers["api-key"], AZURE_KEY);
  assert.equal(call.request.headers.authorization, undefined, "the client's key does not reach Azure");
}

test("chat: the deployment (after modelNameOverride) in the path, the body as the client sent it", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.chat.completions.create({ model: "gpt-4o", messages: MESSAGES, temperature: 0.2 }),
  );
  assert.equal(result.choices[0]?.message.content, AZURE_CHAT_TEXT);
  assert.equal(result.model, DEPLOYMENTS["gpt-4o-prod"]);
  assert.equal(calls.length, 1);
  const call = calls[0]!;
  assert.equal(call.operation, "chat");
  assert.equal(call.deployment, "gpt-4o-prod");
  assertAzureRequest(call, "/openai/deployments/gpt-4o-prod/chat/completions");
  // Azure takes the deployment from the path; the body's model stays the client's, as upstream leaves it.
  assert.deepEqual(call.body, { model: "gpt-4o", messages: MESSAGES, temperature: 0.2 });
  assert.equal(record.status, 200);
  assert.equal(record.provider, "azure.openai");
  assert.equal(record.requestModel, "gpt-4o-prod");
  assert.equal(record.responseModel, DEPLOYMENTS["gpt-4o-prod"]);
  assert.deepEqual(record.usage, expectedUsage(AZURE_CHAT_USAGE));
});

test("chat streamed: Azure's opening chunk without choices passes, usage counted when the client asks", async () => {
  const {
    result: chunks,
    calls,
    record,
  } = await observeCalls(gateway, fake, async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) seen.push(chunk);
    return seen;
  });
  assertAzureRequest(calls[0]!, "/openai/deployments/gpt-4o-prod/chat/completions");
  assert.deepEqual(chunks[0]?.choices, [], "Azure's prompt-filter chunk reaches the client");
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  assert.equal(text, AZURE_CHAT_TEXT);
  assert.equal(chunks.at(-1)?.usage?.total_tokens, AZURE_CHAT_USAGE.total_tokens);
  assert.equal(record.stream, true);
  assert.equal(
    record.responseModel,
    DEPLOYMENTS["gpt-4o-prod"],
    "the empty model of the first chunk is skipped",
  );
  assert.deepEqual(record.usage, expectedUsage(AZURE_CHAT_USAGE));
});

test("chat streamed on a route with costs: usage forced from Azure, not shown to the client, charged", async () => {
  const {
    result: chunks,
    calls,
    record,
  } = await observeCalls(gateway, fake, async () => {
    const stream = await client.chat.completions.create({
      model: "metered",
      messages: MESSAGES,
      stream: true,
    });
    const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) seen.push(chunk);
    return seen;
  });
  assert.deepEqual(calls[0]!.body.stream_options, { include_usage: true });
  assert.equal(calls[0]!.body.model, "metered", "only stream_options was added");
  assert.ok(
    chunks.every((c) => c.usage === undefined || c.usage === null),
    "no usage the client did not ask for",
  );
  assert.deepEqual(record.usage, expectedUsage(AZURE_CHAT_USAGE));
  assert.deepEqual(record.costs, { total: AZURE_CHAT_USAGE.total_tokens });
});

test("completions and embeddings go to their deployment paths", async () => {
  const completion = await observeCalls(gateway, fake, () =>
    client.completions.create({ model: "instruct-prod", prompt: "Once upon" }),
  );
  assert.equal(completion.result.choices[0]?.text, AZURE_COMPLETION_TEXT);
  assertAzureRequest(completion.calls[0]!, "/openai/deployments/instruct-prod/completions");
  assert.deepEqual(completion.record.usage, expectedUsage(AZURE_COMPLETION_USAGE));

  // The SDK asks for base64 by default and decodes it.
  const embedding = await observeCalls(gateway, fake, () =>
    client.embeddings.create({ model: "embed-prod", input: "hello" }),
  );
  assert.deepEqual(embedding.result.data[0]?.embedding, AZURE_EMBEDDING);
  assertAzureRequest(embedding.calls[0]!, "/openai/deployments/embed-prod/embeddings");
  assert.equal(embedding.calls[0]!.body.encoding_format, "base64");
  assert.deepEqual(embedding.record.usage, expectedUsage(AZURE_EMBEDDING_USAGE));
});

test("image generation goes to the deployment's images/generations; its token usage is counted", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.images.generate({ model: "image-prod", prompt: "a lighthouse at dusk", size: "1024x1024" }),
  );
  assert.equal(result.data?.[0]?.b64_json, AZURE_IMAGE_B64);
  assertAzureRequest(calls[0]!, "/openai/deployments/image-prod/images/generations");
  assert.equal(calls[0]!.body.prompt, "a lighthouse at dusk");
  assert.equal(record.operation, "image_generation");
  assert.equal(record.usage.inputTokens, AZURE_IMAGE_USAGE.input_tokens);
  assert.equal(record.usage.outputTokens, AZURE_IMAGE_USAGE.output_tokens);
  assert.equal(record.usage.cachedInputTokens, 0, "text/image token details are not cached tokens");
});

test("responses: /openai/responses with the deployment as the body's model, plain and streamed", async () => {
  const plain = await observeCalls(gateway, fake, () =>
    client.responses.create({ model: "gpt-4o", input: "Capital of France?" }),
  );
  assert.equal(plain.result.output_text, RESPONSES_TEXT);
  assertAzureRequest(plain.calls[0]!, "/openai/responses");
  assert.deepEqual(plain.calls[0]!.body, { model: "gpt-4o-prod", input: "Capital of France?" });
  assert.equal(plain.record.responseModel, answeringModel("gpt-4o-prod"));
  assert.equal(plain.record.usage.inputTokens, RESPONSES_USAGE.input_tokens);
  assert.equal(plain.record.usage.cachedInputTokens, RESPONSES_USAGE.input_tokens_details.cached_tokens);
  assert.equal(plain.record.usage.reasoningTokens, RESPONSES_USAGE.output_tokens_details.reasoning_tokens);

  const streamed = await observeCalls(gateway, fake, async () => {
    const stream = await client.responses.create({
      model: "gpt-4o",
      input: "Capital of France?",
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    return types;
  });
  assert.equal(streamed.result[0], "response.created");
  assert.equal(streamed.result.at(-1), "response.completed");
  assertAzureRequest(streamed.calls[0]!, "/openai/responses");
  assert.equal(streamed.record.usage.outputTokens, RESPONSES_USAGE.output_tokens);
  assert.equal(streamed.record.usage.totalTokens, RESPONSES_USAGE.total_tokens);
  assert.equal(streamed.record.responseModel, answeringModel("gpt-4o-prod"));

  const counted = await observeCalls(gateway, fake, () =>
    client.responses.inputTokens.count({ model: "gpt-4o", input: "Capital of France?" }),
  );
  assert.equal(counted.result.input_tokens, countFakeInputTokens({ input: "Capital of France?" }));
  assertAzureRequest(counted.calls[0]!, "/openai/responses/input_tokens");
  assert.equal(counted.record.usage.inputTokens, counted.result.input_tokens);
});

test("Azure's errors reach the SDK as Azure sent them (OpenAI's envelope)", async () => {
  await assert.rejects(
    () => client.chat.completions.create({ model: "no-such-deployment", messages: MESSAGES }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError, String(err));
      assert.equal(err.code, "DeploymentNotFound");
      assert.match(err.message, /deployment for this resource does not exist/);
      return true;
    },
  );
  await assert.rejects(
    () =>
      client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "please filter me" }],
      }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.code, "content_filter");
      assert.equal(err.param, "prompt");
      const inner = (err.error as { innererror?: { code?: string } }).innererror;
      assert.equal(inner?.code, "ResponsibleAIPolicyViolation");
      return true;
    },
  );
  await assert.rejects(
    () => client.chat.completions.create({ model: "wrong-key", messages: MESSAGES }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
      assert.match(err.message, /Access denied/);
      assert.doesNotMatch(JSON.stringify(err.error), /not-the-key/, "the key is not echoed");
      return true;
    },
  );
});

test("Anthropic Messages clients reach the Azure deployment through the chat translator", async () => {
  const anthropic = new Anthropic({
    apiKey: "sk-client",
    baseURL: `${gateway.url}/anthropic`,
    maxRetries: 0,
  });
  const plain = await observeCalls(gateway, fake, () =>
    anthropic.messages.create({
      model: "gpt-4o",
      max_tokens: 64,
      messages: [{ role: "user", content: "Say hello in French." }],
    }),
  );
  assert.equal(plain.result.type, "message");
  assert.deepEqual(
    plain.result.content.map((b) => (b.type === "text" ? b.text : b.type)),
    [AZURE_CHAT_TEXT],
  );
  assert.equal(plain.calls[0]!.operation, "chat");
  assertAzureRequest(plain.calls[0]!, "/openai/deployments/gpt-4o-prod/chat/completions");
  assert.equal(plain.record.operation, "messages");
  assert.equal(plain.record.usage.outputTokens, AZURE_CHAT_USAGE.completion_tokens);
  assert.equal(plain.record.usage.totalTokens, AZURE_CHAT_USAGE.total_tokens);

  const streamed = await observeCalls(gateway, fake, async () => {
    const stream = anthropic.messages.stream({
      model: "gpt-4o",
      max_tokens: 64,
      messages: [{ role: "user", content: "Say hello in French." }],
    });
    return stream.finalMessage();
  });
  assert.deepEqual(
    streamed.result.content.map((b) => (b.type === "text" ? b.text : b.type)),
    [AZURE_CHAT_TEXT],
  );
  assert.deepEqual(
    streamed.calls[0]!.body.stream_options,
    { include_usage: true },
    "the adapter asks Azure for usage",
  );
  assert.equal(streamed.record.usage.outputTokens, AZURE_CHAT_USAGE.completion_tokens);
  assert.equal(streamed.record.usage.totalTokens, AZURE_CHAT_USAGE.total_tokens);

  await assert.rejects(
    () =>
      anthropic.messages.create({
        model: "no-such-deployment",
        max_tokens: 8,
        messages: [{ role: "user", content: "hi" }],
      }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.NotFoundError, String(err));
      assert.match(err.message, /deployment for this resource does not exist/);
      return true;
    },
  );
});

test("AzureCredentials with credentialOverride: the client's x-aigw-azure-access-token is the bearer, and required", async () => {
  const { result, calls } = await observeCalls(gateway, fake, () =>
    client.chat.completions.create(
      { model: "byo-token", messages: MESSAGES },
      { headers: { "x-aigw-azure-access-token": CLIENT_TOKEN } },
    ),
  );
  assert.equal(result.choices[0]?.message.content, AZURE_CHAT_TEXT);
  assert.equal(calls[0]!.auth, "bearer");
  assert.equal(calls[0]!.request.headers.authorization, `Bearer ${CLIENT_TOKEN}`);
  assert.equal(
    calls[0]!.request.headers["x-aigw-azure-access-token"],
    undefined,
    "the override header stays here",
  );
  await assert.rejects(
    () => client.chat.completions.create({ model: "byo-token", messages: MESSAGES }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
      assert.match(err.message, /missing upstream credential/);
      return true;
    },
  );
});
