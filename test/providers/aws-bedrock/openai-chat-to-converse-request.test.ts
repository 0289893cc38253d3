import * as assert from "node:assert/strict";
import { test } from "node:test";
import { openAIChatBedrockTranslator } from "../../../src/providers/aws-bedrock/openai-chat-bedrock-translator.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { bedrockRequest } from "./bedrock-test-input.js";

const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";
// A 1x1 transparent PNG.
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

const translate = (body: Record<string, unknown>, options?: { model?: string; stream?: boolean }) =>
  bedrockRequest(openAIChatBedrockTranslator, body, options);

/** A request with one user message of the given content parts. */
const userContent = (...content: unknown[]) =>
  translate({ model: CLAUDE, messages: [{ role: "user", content }] });

test("a plain chat goes to /model/<escaped id>/converse with inferenceConfig and system blocks", () => {
  const out = translate({
    model: CLAUDE,
    messages: [
      { role: "system", content: "You are terse." },
      { role: "developer", content: [{ type: "text", text: "Answer in English." }] },
      { role: "user", content: "Hi" },
    ],
    max_completion_tokens: 256,
    max_tokens: 100,
    temperature: 0.2,
    top_p: 0.9,
    stop: ["END"],
  });
  assert.equal(out.path, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  assert.deepEqual(out.body, {
    messages: [{ role: "user", content: [{ text: "Hi" }] }],
    system: [{ text: "You are terse." }, { text: "Answer in English." }],
    inferenceConfig: { maxTokens: 256, temperature: 0.2, topP: 0.9, stopSequences: ["END"] },
  });
});

test("streaming uses /converse-stream; inference profile ARNs are one escaped path segment", () => {
  const arn =
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0";
  const out = translate(
    { model: "claude", messages: [{ role: "user", content: "Hi" }], stream: true, stop: "x" },
    { model: arn },
  );
  assert.equal(
    out.path,
    "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream",
  );
  assert.deepEqual(out.body.inferenceConfig, { stopSequences: ["x"] });
  assert.equal("stream" in out.body, false);
  assert.equal("model" in out.body, false);
});

test("images travel as data URI bytes; cache_control becomes cachePoint blocks", () => {
  const out = translate({
    model: CLAUDE,
    messages: [
      {
        role: "system",
        content: [{ type: "text", text: "Long shared instructions", cache_control: { type: "ephemeral" } }],
      },
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this image?", cache_control: { type: "ephemeral" } },
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: "high" } },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
          { type: "image_url", image_url: { url: "data:image/gif;base64,R0lGOD" } },
          { type: "image_url", image_url: { url: "data:image/webp;base64,UklGR" } },
        ],
      },
    ],
  });
  assert.deepEqual(out.body.system, [
    { text: "Long shared instructions" },
    { cachePoint: { type: "default" } },
  ]);
  assert.deepEqual(out.body.messages, [
    {
      role: "user",
      content: [
        { text: "What is in this image?" },
        { cachePoint: { type: "default" } },
        { image: { format: "png", source: { bytes: PNG_BASE64 } } },
        { image: { format: "jpeg", source: { bytes: "/9j/4AAQ" } } },
        { image: { format: "gif", source: { bytes: "R0lGOD" } } },
        { image: { format: "webp", source: { bytes: "UklGR" } } },
      ],
    },
  ]);
});

test("remote image URLs are refused with a message naming the limitation", () => {
  assert.throws(
    () => userContent({ type: "image_url", image_url: { url: "https://example.com/cat.png" } }),
    (err: unknown) =>
      err instanceof InvalidRequestError &&
      /remote image URLs are not supported by AWS Bedrock/.test(err.message),
  );
  assert.throws(
    () => userContent({ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }),
    /unsupported image type "image\/bmp"/,
  );
  assert.throws(() => userContent({ type: "input_audio", input_audio: {} }), InvalidRequestError);
});

test("a tool round trip: tool_calls -> toolUse, consecutive tool messages -> one user message of toolResults", () => {
  const out = translate({
    model: CLAUDE,
    messages: [
      { role: "user", content: "Weather in Paris and Berlin?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "tooluse_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          {
            id: "tooluse_2",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Berlin"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "tooluse_1", content: "18C sunny" },
      { role: "tool", tool_call_id: "tooluse_2", content: [{ type: "text", text: "12C rain" }] },
      { role: "user", content: "Thanks, and tomorrow?" },
      { role: "assistant", content: "" },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather for a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
      { type: "function", function: { name: "get_time" } },
    ],
    tool_choice: "required",
  });
  assert.deepEqual(out.body.messages, [
    { role: "user", content: [{ text: "Weather in Paris and Berlin?" }] },
    {
      role: "assistant",
      content: [
        { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } } },
        { toolUse: { toolUseId: "tooluse_2", name: "get_weather", input: { city: "Berlin" } } },
      ],
    },
    {
      role: "user",
      content: [
        { toolResult: { toolUseId: "tooluse_1", content: [{ text: "18C sunny" }] } },
        { toolResult: { toolUseId: "tooluse_2", content: [{ text: "12C rain" }] } },
        { text: "Thanks, and tomorrow?" },
      ],
    },
  ]);
  assert.deepEqual(out.body.toolConfig, {
    tools: [
      {
        toolSpec: {
          name: "get_weather",
          description: "Current weather for a city",
          inputSchema: {
            json: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      },
      { toolSpec: { name: "get_time", inputSchema: { json: { type: "object", properties: {} } } } },
    ],
    toolChoice: { any: {} },
  });
});

test("tool_choice: auto -> auto, named -> tool, none drops the tools unless the history has tool blocks", () => {
  const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
  const user = [{ role: "user", content: "x" }];
  const choice = (tool_choice: unknown, messages: unknown[] = user) =>
    translate({ model: CLAUDE, messages, tools, tool_choice }).body.toolConfig as
      | Record<string, unknown>
      | undefined;
  assert.deepEqual(choice("auto")?.toolChoice, { auto: {} });
  assert.deepEqual(choice({ type: "function", function: { name: "lookup" } })?.toolChoice, {
    tool: { name: "lookup" },
  });
  assert.deepEqual(choice("lookup")?.toolChoice, { tool: { name: "lookup" } });
  assert.equal(choice("none"), undefined);
  const history = [
    ...user,
    {
      role: "assistant",
      tool_calls: [{ id: "t1", type: "function", function: { name: "lookup", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "t1", content: "ok" },
  ];
  const kept = choice("none", history);
  assert.ok(kept);
  assert.equal(kept.toolChoice, undefined);
  assert.equal((kept.tools as unknown[]).length, 1);
  assert.throws(
    () => translate({ model: "amazon.nova-pro-v1:0", messages: user, tools, tool_choice: "lookup" }),
    InvalidRequestError,
  );
});

test("assistant reasoning (thinking_blocks and thinking parts) leads the turn; refusals become text", () => {
  const out = translate({
    model: CLAUDE,
    messages: [
      { role: "user", content: "2+2?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "4" },
          { type: "refusal", refusal: "" },
        ],
        thinking_blocks: [
          { type: "thinking", thinking: "Simple arithmetic.", signature: "EqoBCkgIARABGAIiQL" },
          { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", text: "More thought", signature: "sig2" },
          { type: "redacted_thinking", redactedContent: "cmVkYWN0ZWQ=" },
          { type: "refusal", refusal: "I can't help with that." },
        ],
      },
    ],
  });
  assert.deepEqual(out.body.messages, [
    { role: "user", content: [{ text: "2+2?" }] },
    {
      role: "assistant",
      content: [
        {
          reasoningContent: {
            reasoningText: { text: "Simple arithmetic.", signature: "EqoBCkgIARABGAIiQL" },
          },
        },
        { reasoningContent: { redactedContent: "EmwKAhgBEgy3va3pzix" } },
        { text: "4" },
        { reasoningContent: { reasoningText: { text: "More thought", signature: "sig2" } } },
        { reasoningContent: { redactedContent: "cmVkYWN0ZWQ=" } },
        { text: "I can't help with that." },
      ],
    },
  ]);
});

test("thinking_blocks: a missing signature is left out (Converse allows it); malformed blocks are 422 as for Anthropic", () => {
  const turn = (thinking_blocks: unknown) => ({
    model: "deepseek.r1-v1:0",
    messages: [
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4", thinking_blocks },
      { role: "user", content: "Sure?" },
    ],
  });
  const out = translate(turn([{ type: "thinking", thinking: "Add.", signature: null }]));
  assert.deepEqual((out.body.messages as { content: unknown[] }[])[1]?.content, [
    { reasoningContent: { reasoningText: { text: "Add." } } },
    { text: "4" },
  ]);
  const refused: [unknown, RegExp][] = [
    [
      [{ type: "thinking", thinking: "Add.", signature: 7 }],
      /thinking_blocks\[0\]\.signature must be a string/,
    ],
    [[{ type: "redacted_thinking" }], /thinking_blocks\[0\] \(redacted_thinking\) needs data/],
    [[{ type: "summary", text: "Add." }], /thinking_blocks\[0\] has type "summary"/],
    ["Add.", /thinking_blocks must be an array/],
  ];
  for (const [blocks, message] of refused) {
    assert.throws(
      () => translate(turn(blocks)),
      (err: unknown) => {
        assert.ok(err instanceof InvalidRequestError, String(err));
        assert.match(err.message, message);
        return true;
      },
    );
  }
});

test("thinking, reasoning_effort and service_tier go where Converse reads them", () => {
  const out = translate({
    model: CLAUDE,
    messages: [{ role: "user", content: "Think." }],
    thinking: { type: "enabled", budget_tokens: 2048 },
    reasoning_effort: "high",
    service_tier: "priority",
  });
  assert.deepEqual(out.body.additionalModelRequestFields, {
    thinking: { type: "enabled", budget_tokens: 2048 },
    reasoning_config: "high",
  });
  assert.deepEqual(out.body.serviceTier, { type: "priority" });
  const auto = translate({ model: CLAUDE, messages: [{ role: "user", content: "x" }], service_tier: "auto" });
  assert.equal(auto.body.serviceTier, undefined);
});

test("tool call arguments must be a JSON object with an id", () => {
  const call = (fn: Record<string, unknown>, id: unknown = "t1") =>
    translate({
      model: CLAUDE,
      messages: [{ role: "assistant", tool_calls: [{ id, type: "function", function: fn }] }],
    });
  assert.throws(() => call({ name: "f", arguments: "[1,2]" }), /must be a JSON object/);
  assert.throws(() => call({ name: "f", arguments: "{oops" }), /not valid JSON/);
  assert.throws(() => call({ name: "f", arguments: "{}" }, null), /missing required field 'id'/);
  assert.deepEqual(
    (call({ name: "f", arguments: "" }).body.messages as { content: unknown[] }[])[0]?.content,
    [{ toolUse: { toolUseId: "t1", name: "f", input: {} } }],
  );
});

test("the client body is not mutated (a retry translates it again)", () => {
  const body = {
    model: CLAUDE,
    messages: [
      { role: "tool", tool_call_id: "a", content: "1" },
      { role: "tool", tool_call_id: "b", content: "2" },
    ],
  };
  const before = JSON.stringify(body);
  const first = translate(body);
  const second = translate(body);
  assert.equal(JSON.stringify(body), before);
  assert.deepEqual(first, second);
});
