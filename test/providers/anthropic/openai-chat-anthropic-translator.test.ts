import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openAIChatAnthropicTranslator as translator } from "../../../src/providers/anthropic/openai-chat-anthropic-translator.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { sseDataPayloads } from "../../support/sse-events.js";
import {
  anthropicCityWeatherTool,
  overloadedMidStream,
  rateLimitError,
  thinkingStream,
  toolUseMessage,
  toolUseMessageUsage,
  toolUseStream,
  toolUseStreamUsage,
} from "./anthropic-fixtures.js";
import { openAICityWeatherTool } from "./openai-fixtures.js";
import {
  AWKWARD_PIECE_SIZES,
  expectedChatChunks,
  jsonOf,
  RESPONSE_CREATED,
  requestInput,
  responseContext,
  runStream,
} from "./translator-harness.js";

const PNG_DATA =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function translateRequest(body: Record<string, unknown>, schema = { name: "Anthropic" as const }) {
  const out = translator.request(requestInput(body, { schema }));
  return { path: out.path, headers: out.headers, body: jsonOf(out.body) as Record<string, unknown> };
}

describe("OpenAI chat -> Anthropic Messages: request", () => {
  it("maps a full conversation with images, tool calls and tool results", () => {
    const out = translateRequest({
      model: "claude-sonnet-4-5",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: [{ type: "text", text: "Use metric units." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here and there?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_DATA}`, detail: "low" } },
            { type: "image_url", image_url: { url: "https://example.com/map.jpg" } },
            { type: "image_url", image_url: { url: "https://example.com/report.PDF" } },
          ],
        },
        {
          role: "assistant",
          content: "Checking both.",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            {
              id: "call_2",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C sunny" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "4C rain" }] },
        { role: "user", content: "Thanks" },
      ],
      tools: [openAICityWeatherTool],
      tool_choice: "required",
      parallel_tool_calls: false,
      max_completion_tokens: 300,
      stop: "END",
      temperature: 0.2,
      top_p: 0.9,
      user: "user-42",
      stream: true,
      stream_options: { include_usage: true },
      seed: 7,
    });
    assert.equal(out.path, "/v1/messages");
    assert.deepEqual(out.headers, { "anthropic-version": "2023-06-01" });
    assert.deepEqual(out.body, {
      model: "claude-sonnet-4-5",
      max_tokens: 300,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here and there?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG_DATA } },
            { type: "image", source: { type: "url", url: "https://example.com/map.jpg" } },
            { type: "document", source: { type: "url", url: "https://example.com/report.PDF" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking both." },
            { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "call_2", name: "get_weather", input: { city: "Oslo" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_1", content: "18C sunny" },
            { type: "tool_result", tool_use_id: "call_2", content: [{ type: "text", text: "4C rain" }] },
          ],
        },
        { role: "user", content: "Thanks" },
      ],
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Use metric units." },
      ],
      tools: [anthropicCityWeatherTool],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      stop_sequences: ["END"],
      temperature: 0.2,
      top_p: 0.9,
      metadata: { user_id: "user-42" },
      stream: true,
    });
  });

  it("asks for 4096 tokens when the client set no limit, plus the thinking budget when thinking is on", () => {
    const plain = translateRequest({ model: "m", messages: [{ role: "user", content: "hi" }] });
    assert.equal(plain.body.max_tokens, 4096);
    assert.equal(plain.body.stream, undefined);
    const thinking = translateRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      thinking: { type: "enabled", budget_tokens: 2000 },
    });
    assert.equal(thinking.body.max_tokens, 6096);
    assert.deepEqual(thinking.body.thinking, { type: "enabled", budget_tokens: 2000 });
    const legacy = translateRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 50,
    });
    assert.equal(legacy.body.max_tokens, 50);
  });

  it("maps tool_choice auto, none and a named function; parallel_tool_calls:false alone means auto", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    const base = { model: "m", messages: [{ role: "user", content: "x" }], tools };
    assert.deepEqual(translateRequest({ ...base, tool_choice: "auto" }).body.tool_choice, { type: "auto" });
    assert.deepEqual(translateRequest({ ...base, tool_choice: "none" }).body.tool_choice, { type: "none" });
    assert.deepEqual(
      translateRequest({ ...base, tool_choice: { type: "function", function: { name: "f" } } }).body
        .tool_choice,
      { type: "tool", name: "f" },
    );
    assert.deepEqual(translateRequest({ ...base, parallel_tool_calls: false }).body.tool_choice, {
      type: "auto",
      disable_parallel_tool_use: true,
    });
    assert.deepEqual(translateRequest(base).body.tools, [
      { name: "f", input_schema: { type: "object", properties: {} } },
    ]);
  });

  it("maps reasoning_effort and a JSON schema response_format to output_config", () => {
    const out = translateRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      reasoning_effort: "minimal",
      response_format: { type: "json_schema", json_schema: { name: "r", schema: { type: "object" } } },
    });
    assert.deepEqual(out.body.output_config, {
      effort: "low",
      format: { type: "json_schema", schema: { type: "object" } },
    });
  });

  it("uses the backend's prefix and PDF data URIs become documents", () => {
    const out = translateRequest(
      {
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              {
                type: "file",
                file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
              },
            ],
          },
        ],
      },
      { name: "Anthropic", prefix: "/anthropic/v1/" } as never,
    );
    assert.equal(out.path, "/anthropic/v1/messages");
    assert.deepEqual((out.body.messages as { content: unknown }[])[0]!.content, [
      {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
        title: "a.pdf",
      },
    ]);
  });

  it("rejects what Anthropic cannot express", () => {
    const user = [{ role: "user", content: "x" }];
    const cases: Record<string, unknown>[] = [
      { model: "m", messages: user, temperature: 1.5 },
      { model: "m", messages: user, n: 2 },
      { model: "m", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] },
      {
        model: "m",
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,AA==" } }],
          },
        ],
      },
      {
        model: "m",
        messages: [
          {
            role: "assistant",
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1" } }],
          },
        ],
      },
      { model: "m", messages: user, tools: [{ type: "custom", custom: { name: "x" } }] },
    ];
    for (const body of cases) {
      assert.throws(() => translator.request(requestInput(body)), InvalidRequestError, JSON.stringify(body));
    }
    assert.throws(() => translator.request(requestInput({ model: "m", messages: user, temperature: 1.5 })), {
      message: "temperature 1.5 is not supported by Anthropic (must be between 0.0 and 1.0)",
    });
  });
});

describe("OpenAI chat -> Anthropic Messages: response", () => {
  it("turns a Message into a chat.completion with reasoning, tool calls and cached usage", () => {
    const response = translator.response(responseContext(200, "claude-sonnet-4-5"));
    const out = response.body(Buffer.from(JSON.stringify(toolUseMessage)));
    assert.equal(out.status, 200);
    assert.deepEqual(jsonOf(out.body), {
      id: "msg_01Aq9w938a90dw8q",
      object: "chat.completion",
      created: RESPONSE_CREATED,
      model: "claude-sonnet-4-5-20250929",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "I'll check the weather in San Francisco.",
            reasoning_content: "The user wants the weather. ",
            thinking_blocks: [
              {
                type: "thinking",
                thinking: "The user wants the weather. ",
                signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h",
              },
            ],
            tool_calls: [
              {
                id: "toolu_01A09q90qw90lq917835lq9",
                type: "function",
                function: {
                  name: "get_weather",
                  arguments: '{"location":"San Francisco, CA","unit":"celsius"}',
                },
              },
            ],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: {
        prompt_tokens: 2620,
        completion_tokens: 89,
        total_tokens: 2709,
        prompt_tokens_details: { cached_tokens: 2048, cache_creation_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    assert.deepEqual(response.usage, toolUseMessageUsage);
    assert.equal(response.responseModel, "claude-sonnet-4-5-20250929");
  });

  it("answers errors in the OpenAI envelope with Anthropic's error type", () => {
    const json = translator
      .response(responseContext(429, "m"))
      .body(Buffer.from(JSON.stringify(rateLimitError)));
    assert.equal(json.status, 429);
    assert.deepEqual(jsonOf(json.body), {
      type: "error",
      error: { type: "rate_limit_error", code: "429", message: rateLimitError.error.message },
    });
    const html = translator.response(responseContext(502, "m")).body(Buffer.from("<html>bad gateway</html>"));
    assert.deepEqual(jsonOf(html.body), {
      type: "error",
      error: { type: "AnthropicBackendError", code: "502", message: "<html>bad gateway</html>" },
    });
  });

  it("streams text and a tool call as chat.completion.chunks, whatever the chunk boundaries", () => {
    const request = requestInput({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "x" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { head, choice } = expectedChatChunks("msg_014p7gG3wDgGV9EUtLvnow3U", "claude-sonnet-4-5-20250929");
    const expected = [
      choice({ role: "assistant", content: "" }),
      choice({ content: "Okay, let's check " }),
      choice({ content: "the weather – ☀️" }),
      choice({
        tool_calls: [
          {
            index: 0,
            id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            type: "function",
            function: { name: "get_weather", arguments: "" },
          },
        ],
      }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: ' "San Francisco, CA"}' } }] }),
      choice({}, "tool_calls"),
      {
        ...head,
        choices: [],
        usage: {
          prompt_tokens: 1496,
          completion_tokens: 89,
          total_tokens: 1585,
          prompt_tokens_details: { cached_tokens: 1024 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      },
    ];
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = translator.response(
        responseContext(200, "claude-sonnet-4-5", { stream: true, request }),
      );
      assert.equal(response.streamContentType, "text/event-stream");
      const out = runStream(response, toolUseStream, size);
      const payloads = sseDataPayloads(out);
      assert.equal(payloads.at(-1), "[DONE]", `size ${size}`);
      assert.deepEqual(
        payloads.slice(0, -1).map((p) => JSON.parse(p)),
        expected,
        `size ${size}`,
      );
      assert.match(out, /^: ping$/m);
      assert.deepEqual(response.usage, toolUseStreamUsage);
    }
  });

  it("sends the usage chunk only when the client asked; usage is counted either way (costs need no chunk)", () => {
    const body = { model: "m", messages: [{ role: "user", content: "x" }], stream: true };
    const usageChunks = (request: ReturnType<typeof requestInput>) => {
      const response = translator.response(responseContext(200, "m", { stream: true, request }));
      const chunks = sseDataPayloads(runStream(response, toolUseStream, 64)).filter((p) =>
        p.includes('"usage"'),
      );
      assert.deepEqual(response.usage, toolUseStreamUsage);
      return chunks.length;
    };
    assert.equal(usageChunks(requestInput(body)), 0);
    assert.equal(usageChunks(requestInput(body, { forceIncludeUsage: true })), 0);
    assert.equal(usageChunks(requestInput({ ...body, stream_options: { include_usage: true } })), 1);
  });

  it("streams thinking as reasoning_content, its signature as thinking_blocks, and reports thinking tokens", () => {
    const response = translator.response(responseContext(200, "claude-opus-4-5", { stream: true }));
    const chunks = sseDataPayloads(runStream(response, thinkingStream, 5))
      .filter((p) => p !== "[DONE]")
      .map((p) => JSON.parse(p) as { choices: { delta: unknown; finish_reason: string | null }[] });
    assert.deepEqual(
      chunks.map((c) => c.choices[0]?.delta),
      [
        { role: "assistant", content: "" },
        { reasoning_content: "2+2 is 4." },
        { thinking_blocks: [{ type: "thinking", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" }] },
        { content: "4" },
        {},
      ],
    );
    assert.equal(chunks[4]?.choices[0]?.finish_reason, "length");
    assert.equal(response.usage.reasoningTokens, 9);
    assert.equal(response.usage.outputTokens, 12);
  });

  it("turns an error event inside the stream into an OpenAI error object and sends no [DONE]", () => {
    const response = translator.response(responseContext(200, "m", { stream: true }));
    const payloads = sseDataPayloads(runStream(response, overloadedMidStream, 9));
    assert.equal(payloads.length, 2);
    assert.deepEqual(JSON.parse(payloads[1]!), {
      type: "error",
      error: { type: "overloaded_error", code: "529", message: "Overloaded" },
    });
  });
});
