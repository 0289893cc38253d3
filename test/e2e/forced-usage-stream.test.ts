import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { expectedUsage } from "../support/expected-usage.js";
import {
  FAKE_ANSWER,
  FAKE_CHAT_USAGE,
  FAKE_COMPLETION_TEXT,
  FAKE_COMPLETION_USAGE,
  startFakeOpenAI,
} from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, sentJson } from "../support/recording-upstream.js";
import { observeOneRequest, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The official OpenAI SDK streams through a gateway whose route has llmRequestCosts, to a fake OpenAI
 * that adds a usage-only chunk (`choices: []`) when include_usage is set. The gateway forces
 * include_usage to charge the request; a client that did not ask must not see that chunk (clients
 * that read `choices[0]` of every chunk break on it), and the record must still carry usage and costs.
 */

const MODEL = "metered-model";
const COSTS = [
  { metadataKey: "llm_total_token", type: "TotalToken" },
  { metadataKey: "llm_input_token", type: "InputToken" },
  { metadataKey: "llm_cached_input_token", type: "CachedInputToken" },
];

let upstream: RecordingUpstream;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("fake", upstream.url),
      routeDoc("metered", {
        rules: [{ matches: [modelIs(MODEL)], backendRefs: [{ name: "fake" }] }],
        llmRequestCosts: COSTS,
      }),
    ),
  );
  client = new OpenAI({ apiKey: "k", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** Streams a chat answer through the SDK; returns every chunk it parsed. */
async function streamChat(
  streamOptions?: OpenAI.Chat.Completions.ChatCompletionStreamOptions,
): Promise<OpenAI.Chat.Completions.ChatCompletionChunk[]> {
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: "Hello" }],
    stream: true,
    ...(streamOptions === undefined ? {} : { stream_options: streamOptions }),
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

test("a client that did not ask for usage gets no usage chunk, and the request is charged", async () => {
  for (const streamOptions of [undefined, { include_usage: false }]) {
    let chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    const { sent, record } = await observeOneRequest(gateway, upstream, async () => {
      chunks = await streamChat(streamOptions);
    });
    const label = `client stream_options ${JSON.stringify(streamOptions)}`;
    assert.deepEqual(sentJson(sent)["stream_options"], { include_usage: true }, `${label}: usage forced`);
    assert.ok(chunks.length > 0, label);
    for (const chunk of chunks) {
      assert.ok(chunk.choices.length > 0, `${label}: a chunk without choices: ${JSON.stringify(chunk)}`);
      assert.equal(chunk.usage, undefined, `${label}: no usage member the client did not ask for`);
    }
    assert.equal(chunks.map((c) => c.choices[0]!.delta.content ?? "").join(""), FAKE_ANSWER, label);
    assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, "stop", label);
    assert.deepEqual(record.usage, expectedUsage(FAKE_CHAT_USAGE), label);
    assert.deepEqual(
      record.costs,
      {
        llm_total_token: FAKE_CHAT_USAGE.total_tokens,
        llm_input_token: FAKE_CHAT_USAGE.prompt_tokens,
        llm_cached_input_token: FAKE_CHAT_USAGE.prompt_tokens_details.cached_tokens,
      },
      label,
    );
  }
});

test("a client that asked for usage still gets the usage chunk", async () => {
  let chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  const { record } = await observeOneRequest(gateway, upstream, async () => {
    chunks = await streamChat({ include_usage: true });
  });
  const usageChunks = chunks.filter((chunk) => chunk.choices.length === 0);
  assert.equal(usageChunks.length, 1);
  assert.deepEqual(usageChunks[0]!.usage, FAKE_CHAT_USAGE);
  assert.equal(chunks.at(-1), usageChunks[0], "the usage chunk is the last one");
  assert.equal(record.costs["llm_total_token"], FAKE_CHAT_USAGE.total_tokens);
});

test("completions: the same for a streamed legacy completion", async () => {
  const texts: string[] = [];
  const { sent, record } = await observeOneRequest(gateway, upstream, async () => {
    const stream = await client.completions.create({ model: MODEL, prompt: "Once", stream: true });
    for await (const chunk of stream) {
      assert.ok(chunk.choices.length > 0, `a chunk without choices: ${JSON.stringify(chunk)}`);
      texts.push(chunk.choices[0]!.text);
    }
  });
  assert.deepEqual(sentJson(sent)["stream_options"], { include_usage: true });
  assert.equal(texts.join(""), FAKE_COMPLETION_TEXT);
  assert.deepEqual(record.usage, expectedUsage(FAKE_COMPLETION_USAGE));
  assert.equal(record.costs["llm_total_token"], FAKE_COMPLETION_USAGE.total_tokens);
});
