import * as assert from "node:assert/strict";
import { test } from "node:test";
import { anthropicMessagesBedrockTranslator } from "../../../src/providers/aws-bedrock/anthropic-messages-bedrock-translator.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { bedrockRequest } from "./bedrock-test-input.js";

const MODEL = "anthropic.claude-sonnet-4-20250514-v1:0";

const translate = (body: Record<string, unknown>, stream = false) =>
  bedrockRequest(anthropicMessagesBedrockTranslator, body, { stream });

test("a Messages request becomes a Converse request; system blocks and cache_control become cachePoints", () => {
  const out = translate({
    model: MODEL,
    max_tokens: 1024,
    temperature: 0.5,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ["\n\nHuman:"],
    system: [
      { type: "text", text: "You are a careful assistant." },
      { type: "text", text: "Here is the handbook ...", cache_control: { type: "ephemeral", ttl: "1h" } },
    ],
    messages: [
      { role: "user", content: "Hello" },
      { role: "assistant", content: [{ type: "text", text: "Hi! What do you need?" }] },
      {
        role: "user",
        content: [
          { type: "text", text: "Describe this", cache_control: { type: "ephemeral" } },
          { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQSkZJRg==" } },
        ],
      },
    ],
    metadata: { user_id: "u-1" },
  });
  assert.equal(out.path, "/model/anthropic.claude-sonnet-4-20250514-v1%3A0/converse");
  assert.deepEqual(out.body, {
    messages: [
      { role: "user", content: [{ text: "Hello" }] },
      { role: "assistant", content: [{ text: "Hi! What do you need?" }] },
      {
        role: "user",
        content: [
          { text: "Describe this" },
          { cachePoint: { type: "default" } },
          { image: { format: "jpeg", source: { bytes: "/9j/4AAQSkZJRg==" } } },
        ],
      },
    ],
    system: [
      { text: "You are a careful assistant." },
      { text: "Here is the handbook ..." },
      { cachePoint: { type: "default" } },
    ],
    inferenceConfig: { maxTokens: 1024, temperature: 0.5, topP: 0.9, stopSequences: ["\n\nHuman:"] },
    additionalModelRequestFields: { top_k: 40 },
  });
});

test("tools, tool use and tool results (coalesced, with error status); server tools are left out", () => {
  const out = translate(
    {
      model: MODEL,
      max_tokens: 512,
      tools: [
        {
          name: "get_weather",
          description: "Current weather",
          input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          cache_control: { type: "ephemeral" },
        },
        { type: "web_search_20250305", name: "web_search", max_uses: 3 },
      ],
      tool_choice: { type: "any" },
      messages: [
        { role: "user", content: "Weather in Paris and Oslo?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_01B", name: "get_weather", input: { city: "Oslo" } },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A", content: "18C" }] },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_01B",
              is_error: true,
              content: [{ type: "text", text: "city not found" }],
            },
          ],
        },
      ],
    },
    true,
  );
  assert.equal(out.path, "/model/anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream");
  assert.deepEqual(out.body.messages, [
    { role: "user", content: [{ text: "Weather in Paris and Oslo?" }] },
    {
      role: "assistant",
      content: [
        { text: "Checking." },
        { toolUse: { toolUseId: "toolu_01A", name: "get_weather", input: { city: "Paris" } } },
        { toolUse: { toolUseId: "toolu_01B", name: "get_weather", input: { city: "Oslo" } } },
      ],
    },
    {
      role: "user",
      content: [
        { toolResult: { toolUseId: "toolu_01A", content: [{ text: "18C" }] } },
        { toolResult: { toolUseId: "toolu_01B", content: [{ text: "city not found" }], status: "error" } },
      ],
    },
  ]);
  assert.deepEqual(out.body.toolConfig, {
    tools: [
      {
        toolSpec: {
          name: "get_weather",
          description: "Current weather",
          inputSchema: {
            json: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      },
      { cachePoint: { type: "default" } },
    ],
    toolChoice: { any: {} },
  });
});

test("thinking blocks keep their signatures; redacted thinking becomes bytes; thinking config passes through", () => {
  const out = translate({
    model: MODEL,
    max_tokens: 4096,
    thinking: { type: "enabled", budget_tokens: 2048 },
    messages: [
      { role: "user", content: "2+2?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Simple.", signature: "EqoBCkgIBxAB" },
          { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" },
          { type: "text", text: "4" },
        ],
      },
      { role: "user", content: "And 3+3?" },
    ],
  });
  assert.deepEqual((out.body.messages as unknown[])[1], {
    role: "assistant",
    content: [
      { reasoningContent: { reasoningText: { text: "Simple.", signature: "EqoBCkgIBxAB" } } },
      { reasoningContent: { redactedContent: Buffer.from("EmwKAhgBEgy3va3pzix").toString("base64") } },
      { text: "4" },
    ],
  });
  assert.deepEqual(out.body.additionalModelRequestFields, {
    thinking: { type: "enabled", budget_tokens: 2048 },
  });
});

test("documents get a Converse-safe name; system messages inside messages join the system prompt", () => {
  const out = translate({
    model: MODEL,
    max_tokens: 100,
    system: "Top-level.",
    messages: [
      { role: "system", content: "Mid-conversation rule." },
      {
        role: "user",
        content: [
          {
            type: "document",
            title: "Q3 report (final).pdf",
            source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" },
          },
          { type: "document", source: { type: "text", media_type: "text/plain", data: "plain notes" } },
          { type: "text", text: "Summarise." },
        ],
      },
    ],
  });
  assert.deepEqual(out.body.system, [{ text: "Top-level." }, { text: "Mid-conversation rule." }]);
  assert.deepEqual((out.body.messages as { content: unknown[] }[])[0]?.content, [
    { document: { format: "pdf", name: "Q3 report (final) pdf", source: { bytes: "JVBERi0x" } } },
    {
      document: {
        format: "txt",
        name: "document-1",
        source: { bytes: Buffer.from("plain notes").toString("base64") },
      },
    },
    { text: "Summarise." },
  ]);
});

test("tool_choice none without tool history leaves the tools out; URL images are refused", () => {
  const out = translate({
    model: MODEL,
    max_tokens: 10,
    tools: [{ name: "t", input_schema: { type: "object" } }],
    tool_choice: { type: "none" },
    messages: [{ role: "user", content: "x" }],
  });
  assert.equal(out.body.toolConfig, undefined);
  assert.throws(
    () =>
      translate({
        model: MODEL,
        max_tokens: 10,
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }],
          },
        ],
      }),
    (err: unknown) =>
      err instanceof InvalidRequestError &&
      /remote image URLs are not supported by AWS Bedrock/.test(err.message),
  );
});
