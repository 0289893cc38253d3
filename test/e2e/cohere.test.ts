import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { COHERE_KEY, cohereBackendDocs, type FakeCohere, startFakeCohere } from "../support/fake-cohere.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { sendRaw } from "../support/send-raw.js";
import { sseJsonChunks } from "../support/sse-events.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * Clients -> gateway -> a fake Cohere API that checks the bearer key, paths and bodies. Rerank v2
 * over raw HTTP (the `cohere-ai` SDK is not a dependency) passes through to `/v2/rerank` with usage
 * read from `meta`; chat and embeddings from the `openai` SDK reach Cohere's Compatibility API.
 * Cohere's errors arrive in each client's own envelope.
 */

const RERANKER = "rerank-v3.5";
const COMMAND = "command-a-03-2025";
const EMBED = "embed-v4.0";

let fake: FakeCohere;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  fake = await startFakeCohere();
  const config = configYaml(
    gatewayDocs(),
    cohereBackendDocs("cohere", fake),
    cohereBackendDocs("cohere-wrong-key", fake, { key: "co-not-the-key" }),
    routeDoc("cohere", {
      rules: [
        {
          matches: [modelIs(RERANKER), modelIs(COMMAND), modelIs(EMBED), modelIs("unknown-model")],
          backendRefs: [{ name: "cohere" }],
        },
        { matches: [modelIs("my-reranker")], backendRefs: [{ name: "cohere", modelNameOverride: RERANKER }] },
        {
          matches: [modelIs("wrong-key")],
          backendRefs: [{ name: "cohere-wrong-key", modelNameOverride: COMMAND }],
        },
      ],
    }),
  );
  gateway = await startTestGateway(config);
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await fake?.close();
});

const DOCUMENTS = [
  "Carson City is the capital city of the American state of Nevada.",
  "Washington, D.C. is the capital of the United States.",
  "Capital punishment has existed in the United States since before it was a country.",
];

test("rerank passes through to /v2/rerank with the Cohere key, and its meta is counted", async () => {
  const body = {
    model: RERANKER,
    query: "What is the capital of the United States?",
    documents: DOCUMENTS,
    top_n: 2,
  };
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    sendRaw(`${gateway.url}/cohere/v2/rerank`, { body, headers: { authorization: "Bearer client-token" } }),
  );
  assert.equal(result.status, 200, result.text);
  const answer = JSON.parse(result.text) as {
    results: { index: number; relevance_score: number }[];
    meta: unknown;
  };
  assert.equal(answer.results.length, 2);
  assert.equal(answer.results[0]?.index, 1, "the document sharing most query words ranks first");
  assert.equal(calls.length, 1);
  const call = calls[0]!;
  assert.equal(call.request.url, "/v2/rerank");
  assert.equal(call.request.headers.authorization, `Bearer ${COHERE_KEY}`);
  assert.deepEqual(call.body, body, "the client's body reaches Cohere as sent");
  assert.equal(record.operation, "rerank");
  assert.equal(record.provider, "cohere");
  assert.equal(record.usage.inputTokens, call.usage.inputTokens);
  assert.ok(call.usage.inputTokens > 0);
  assert.equal(record.usage.outputTokens, 0);
  assert.equal(record.usage.totalTokens, call.usage.inputTokens);
});

test("rerank with modelNameOverride sends Cohere the overriding model", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    sendRaw(`${gateway.url}/cohere/v2/rerank`, {
      body: { model: "my-reranker", query: "capital of Nevada", documents: DOCUMENTS },
    }),
  );
  assert.equal(result.status, 200, result.text);
  assert.equal(calls[0]?.body.model, RERANKER);
  assert.equal(record.originalModel, "my-reranker");
  assert.equal(record.requestModel, RERANKER);
});

test("a Cohere rerank error reaches the client in Cohere's shape with its status", async () => {
  const bad = await sendRaw(`${gateway.url}/cohere/v2/rerank`, {
    body: { model: RERANKER, query: "q", documents: [{ text: 1 }] },
  });
  assert.equal(bad.status, 400);
  const error = JSON.parse(bad.text) as { message?: unknown };
  assert.match(String(error.message), /documents must be a non-empty list of strings/);

  const unknown = await sendRaw(`${gateway.url}/cohere/v2/rerank`, {
    body: { model: "unknown-model", query: "q", documents: ["d"] },
  });
  assert.equal(unknown.status, 404);
  assert.match(
    String((JSON.parse(unknown.text) as { message?: unknown }).message),
    /model 'unknown-model' not found/,
  );
});

test("gateway-made errors on the rerank endpoint use Cohere's shape too", async () => {
  const malformed = await sendRaw(`${gateway.url}/cohere/v2/rerank`, { body: "{not json" });
  assert.equal(malformed.status, 400);
  const parsed = JSON.parse(malformed.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ["message"]);
  assert.equal(typeof parsed.message, "string");

  const unrouted = await sendRaw(`${gateway.url}/cohere/v2/rerank`, {
    body: { model: "no-such-route", query: "q", documents: ["d"] },
  });
  assert.equal(unrouted.status, 404);
  assert.equal(typeof (JSON.parse(unrouted.text) as { message?: unknown }).message, "string");
});

test("chat from the OpenAI SDK reaches Cohere's Compatibility API and is counted", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.chat.completions.create({
      model: COMMAND,
      messages: [{ role: "user", content: "What does a reranker do?" }],
    }),
  );
  assert.equal(result.choices[0]?.message.content, "Rerankers sort documents by relevance.");
  const call = calls[0]!;
  assert.equal(call.request.url, "/compatibility/v1/chat/completions");
  assert.equal(call.request.headers.authorization, `Bearer ${COHERE_KEY}`);
  assert.equal(record.usage.inputTokens, call.usage.inputTokens);
  assert.equal(record.usage.outputTokens, call.usage.outputTokens);
  assert.equal(result.usage?.prompt_tokens, call.usage.inputTokens);
});

test("streamed chat is relayed and its usage chunk counted", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, async () => {
    const stream = await client.chat.completions.create({
      model: COMMAND,
      messages: [{ role: "user", content: "Stream it" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    return { text, usage };
  });
  assert.equal(result.text, "Rerankers sort documents by relevance.");
  const call = calls[0]!;
  assert.equal(result.usage?.completion_tokens, call.usage.outputTokens);
  assert.equal(record.usage.inputTokens, call.usage.inputTokens);
  assert.equal(record.usage.outputTokens, call.usage.outputTokens);
  assert.equal(record.stream, true);
});

test("embeddings from the OpenAI SDK reach /compatibility/v1/embeddings", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.embeddings.create({
      model: EMBED,
      input: ["first text", "the second text"],
      encoding_format: "float",
    }),
  );
  assert.equal(result.data.length, 2);
  assert.equal(calls[0]?.request.url, "/compatibility/v1/embeddings");
  assert.equal(record.usage.inputTokens, calls[0]?.usage.inputTokens);
  assert.equal(record.usage.inputTokens, 5);
});

test("Cohere's errors reach OpenAI clients in the OpenAI envelope", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "unknown-model", messages: [{ role: "user", content: "hi" }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError, String(err));
      assert.match(err.message, /model 'unknown-model' not found/);
      assert.equal((err.error as { type?: string }).type, "CohereBackendError");
      return true;
    },
  );
  await assert.rejects(
    client.chat.completions.create({ model: "wrong-key", messages: [{ role: "user", content: "hi" }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
      assert.match(err.message, /invalid api token/);
      return true;
    },
  );
});

test("the raw streamed bytes carry no usage chunk when the client did not ask for one", async () => {
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model: COMMAND, messages: [{ role: "user", content: "hi" }], stream: true },
  });
  assert.equal(res.status, 200);
  const chunks = sseJsonChunks(res.text);
  assert.ok(chunks.length > 2);
  assert.ok(chunks.every((chunk) => chunk.usage === undefined));
});
