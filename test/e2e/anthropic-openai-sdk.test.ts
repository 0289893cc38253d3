import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import {
  anthropicBackendDocs,
  FAKE_CLAUDE_ANSWER,
  FAKE_CLAUDE_RECORDED_USAGE,
  FAKE_CLAUDE_TOOL_INPUT,
  FAKE_CLAUDE_TOOL_PREAMBLE,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../support/fake-anthropic.js";
import { configYaml, gatewayDocs, modelIs, modelMatches, routeDoc } from "../support/gateway-yaml.js";
import { sentJson } from "../support/recording-upstream.js";
import { observeOneRequest, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { openAIWeatherTool } from "../support/weather-tool.js";

/**
 * The official OpenAI SDK pointed at the gateway, which translates chat completions into Anthropic
 * Messages for an Anthropic-schema backend (a strict fake Anthropic API that rejects any field the
 * pinned API version does not know). Answers, streams, tool calls and errors must come back in
 * OpenAI's shapes, with usage counted exactly.
 */

const UPSTREAM_KEY = "sk-ant-upstream-secret";
const CLIENT_KEY = "sk-client-key-must-not-leak";
const MODEL = "claude-sonnet-4-5";

/** FAKE_CLAUDE_USAGE as OpenAI reports usage: prompt tokens include cache reads and writes. */
const EXPECTED_OPENAI_USAGE = {
  prompt_tokens: 45,
  completion_tokens: 12,
  total_tokens: 57,
  prompt_tokens_details: { cached_tokens: 16, cache_creation_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

let upstream: FakeAnthropic;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  upstream = await startFakeAnthropic({
    apiKey: UPSTREAM_KEY,
    answer: ({ body }) =>
      body.model === "claude-busy"
        ? {
            status: 429,
            errorType: "rate_limit_error",
            message: "Number of request tokens has exceeded your per-minute rate limit",
          }
        : { default: true },
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      anthropicBackendDocs("claude", upstream.url, { apiKey: UPSTREAM_KEY }),
      routeDoc("main", {
        rules: [{ matches: [modelMatches("claude-.*")], backendRefs: [{ name: "claude" }] }],
      }),
      routeDoc("costed", {
        rules: [
          {
            matches: [modelIs("metered-claude")],
            backendRefs: [{ name: "claude", modelNameOverride: MODEL }],
          },
        ],
        llmRequestCosts: [{ metadataKey: "llm_total_token", type: "TotalToken" }],
      }),
    ),
  );
  client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
});

const observe = (call: () => Promise<void>) => observeOneRequest(gateway, upstream, call);

/** Reads a chat stream: the text, tool calls by index, the finish reason, usage chunks. */
async function readStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let content = "";
  let role: string | undefined;
  let finishReason: string | null | undefined;
  const usages: OpenAI.CompletionUsage[] = [];
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    role ??= choice?.delta.role;
    content += choice?.delta.content ?? "";
    finishReason = choice?.finish_reason ?? finishReason;
    if (chunk.usage) usages.push(chunk.usage);
    for (const delta of choice?.delta.tool_calls ?? []) {
      const call = calls.get(delta.index) ?? { id: "", name: "", arguments: "" };
      call.id += delta.id ?? "";
      call.name += delta.function?.name ?? "";
      call.arguments += delta.function?.arguments ?? "";
      calls.set(delta.index, call);
    }
  }
  return { content, role, finishReason, usages, calls: [...calls.values()] };
}

test("chat completion becomes a Messages call with the pinned API version and the configured key", async () => {
  let completion: OpenAI.Chat.Completions.ChatCompletion | undefined;
  const { sent, record } = await observe(async () => {
    completion = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello" },
      ],
      temperature: 0.3,
    });
  });
  assert.equal(completion?.object, "chat.completion");
  assert.equal(completion?.choices[0]?.message.content, FAKE_CLAUDE_ANSWER);
  assert.equal(completion?.choices[0]?.finish_reason, "stop");
  assert.deepEqual(completion?.usage, EXPECTED_OPENAI_USAGE);

  assert.equal(sent.url, "/v1/messages");
  assert.equal(sent.headers["x-api-key"], UPSTREAM_KEY);
  assert.equal(sent.headers.authorization, undefined);
  assert.equal(sent.headers["anthropic-version"], "2023-06-01");
  assert.deepEqual(sentJson(sent), {
    model: MODEL,
    max_tokens: 4096,
    messages: [{ role: "user", content: "Hello" }],
    system: [{ type: "text", text: "Be brief." }],
    temperature: 0.3,
  });

  assert.equal(record.api, "openai-chat");
  assert.equal(record.status, 200);
  assert.equal(record.responseModel, MODEL);
  assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
});

test("stream: role, text deltas, finish reason, then the usage chunk asked for and [DONE]", async () => {
  let read: Awaited<ReturnType<typeof readStream>> | undefined;
  const { sent, record } = await observe(async () => {
    read = await readStream(
      await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Hello" }],
        max_completion_tokens: 100,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
  });
  assert.equal(read?.role, "assistant");
  assert.equal(read?.content, FAKE_CLAUDE_ANSWER);
  assert.equal(read?.finishReason, "stop");
  assert.deepEqual(read?.usages, [EXPECTED_OPENAI_USAGE]);
  assert.equal(sentJson(sent).stream, true);
  assert.equal(sentJson(sent).max_tokens, 100);
  assert.equal(record.stream, true);
  assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
});

test("stream without include_usage: no usage chunk for the client, yet the gateway counts usage", async () => {
  let read: Awaited<ReturnType<typeof readStream>> | undefined;
  const { record } = await observe(async () => {
    read = await readStream(
      await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Hello" }],
        stream: true,
      }),
    );
  });
  assert.equal(read?.content, FAKE_CLAUDE_ANSWER);
  assert.deepEqual(read?.usages, []);
  assert.deepEqual(record.usage, FAKE_CLAUDE_RECORDED_USAGE);
});

test("stream on a route with costs: usage is charged, and the client that did not ask gets no usage chunk", async () => {
  let read: Awaited<ReturnType<typeof readStream>> | undefined;
  const { record } = await observe(async () => {
    read = await readStream(
      await client.chat.completions.create({
        model: "metered-claude",
        messages: [{ role: "user", content: "Hello" }],
        stream: true,
      }),
    );
  });
  assert.deepEqual(read?.usages, [], "no usage chunk the client did not ask for");
  assert.deepEqual(record.costs, { llm_total_token: 57 });
});

test("tools: tool calls plain and streamed, then the tool result goes back as a tool_result", async () => {
  const question: OpenAI.Chat.Completions.ChatCompletionMessageParam = {
    role: "user",
    content: "Weather in Paris?",
  };
  let completion: OpenAI.Chat.Completions.ChatCompletion | undefined;
  const { sent } = await observe(async () => {
    completion = await client.chat.completions.create({
      model: MODEL,
      messages: [question],
      tools: [openAIWeatherTool],
      tool_choice: "auto",
      parallel_tool_calls: false,
    });
  });
  const message = completion?.choices[0]?.message;
  assert.equal(completion?.choices[0]?.finish_reason, "tool_calls");
  assert.equal(message?.content, FAKE_CLAUDE_TOOL_PREAMBLE);
  const call = message?.tool_calls?.[0];
  assert.equal(call?.type, "function");
  assert.equal(call?.type === "function" ? call.function.name : undefined, "get_weather");
  assert.deepEqual(
    JSON.parse(call?.type === "function" ? call.function.arguments : "null"),
    FAKE_CLAUDE_TOOL_INPUT,
  );
  assert.deepEqual(sentJson(sent).tools, [
    {
      name: "get_weather",
      input_schema: openAIWeatherTool.function.parameters,
      description: "Current weather for a place",
    },
  ]);
  assert.deepEqual(sentJson(sent).tool_choice, { type: "auto", disable_parallel_tool_use: true });

  let read: Awaited<ReturnType<typeof readStream>> | undefined;
  await observe(async () => {
    read = await readStream(
      await client.chat.completions.create({
        model: MODEL,
        messages: [question],
        tools: [openAIWeatherTool],
        stream: true,
      }),
    );
  });
  assert.equal(read?.finishReason, "tool_calls");
  assert.equal(read?.calls.length, 1);
  assert.equal(read?.calls[0]?.name, "get_weather");
  assert.match(read?.calls[0]?.id ?? "", /^toolu_fake_/);
  assert.deepEqual(JSON.parse(read?.calls[0]?.arguments ?? "null"), FAKE_CLAUDE_TOOL_INPUT);

  let answer: OpenAI.Chat.Completions.ChatCompletion | undefined;
  const second = await observe(async () => {
    answer = await client.chat.completions.create({
      model: MODEL,
      tools: [openAIWeatherTool],
      messages: [
        question,
        message as OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam,
        { role: "tool", tool_call_id: call!.id, content: "18C, sunny" },
      ],
    });
  });
  assert.equal(answer?.choices[0]?.message.content, FAKE_CLAUDE_ANSWER);
  assert.deepEqual((sentJson(second.sent).messages as unknown[]).at(-1), {
    role: "user",
    content: [{ type: "tool_result", tool_use_id: call!.id, content: "18C, sunny" }],
  });
});

test("errors: untranslatable requests are 422, Anthropic errors arrive in the OpenAI envelope", async () => {
  const invalid = await client.chat.completions
    .create({ model: MODEL, messages: [{ role: "user", content: "hi" }], temperature: 1.7 })
    .catch((err: unknown) => err);
  assert.ok(invalid instanceof OpenAI.UnprocessableEntityError);
  assert.deepEqual(invalid.error, {
    type: "UnprocessableEntity",
    code: "422",
    message:
      "invalid request body: temperature 1.7 is not supported by Anthropic (must be between 0.0 and 1.0)",
  });

  const busy = await client.chat.completions
    .create({ model: "claude-busy", messages: [{ role: "user", content: "hi" }] })
    .catch((err: unknown) => err);
  assert.ok(busy instanceof OpenAI.RateLimitError);
  assert.deepEqual(busy.error, {
    type: "rate_limit_error",
    code: "429",
    message: "Number of request tokens has exceeded your per-minute rate limit",
  });
});
