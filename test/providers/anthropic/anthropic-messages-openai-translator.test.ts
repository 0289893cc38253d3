import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicMessagesOpenAITranslator as translator } from "../../../src/providers/openai-from-anthropic/anthropic-messages-openai-translator.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { loadCassette } from "../../support/cassettes.js";
import { anthropicCityWeatherTool } from "./anthropic-fixtures.js";
import { openAICityWeatherTool, openAIReasoningStream, openAIToolStream } from "./openai-fixtures.js";
import {
  AWKWARD_PIECE_SIZES,
  anthropicEvent,
  jsonOf,
  requestInput,
  responseContext,
  runStream,
} from "./translator-harness.js";

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** The events of an Anthropic SSE body as [event name, parsed data] pairs; checks each has an event line. */
function anthropicEvents(sse: string): [string, Record<string, unknown>][] {
  return sse
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const [eventLine, dataLine, ...rest] = block.split("\n");
      assert.equal(rest.length, 0, block);
      assert.match(eventLine!, /^event: [a-z_]+$/);
      const data = JSON.parse(dataLine!.replace(/^data: /, "")) as Record<string, unknown>;
      const name = eventLine!.slice("event: ".length);
      assert.equal(data.type, name, "the event line names the data's type");
      return [name, data];
    });
}

describe("Anthropic Messages -> OpenAI chat: request", () => {
  it("maps system, content blocks, tool use and results, tools and settings", () => {
    const out = translator.request(
      requestInput(
        {
          model: "claude-sonnet-4-5",
          max_tokens: 1024,
          system: [
            { type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } },
            { type: "text", text: "Use metric units." },
          ],
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "Weather in Paris? See the map." },
                { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
                { type: "image", source: { type: "url", url: "https://example.com/map.jpg" } },
                {
                  type: "document",
                  title: "brief.pdf",
                  source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
                },
              ],
            },
            {
              role: "assistant",
              content: [
                { type: "thinking", thinking: "Need the tool.", signature: "sig" },
                { type: "text", text: "Checking." },
                { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
              ],
            },
            {
              role: "user",
              content: [
                { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "18C" }] },
                { type: "text", text: "And tomorrow?" },
              ],
            },
          ],
          tools: [anthropicCityWeatherTool, { type: "web_search_20250305", name: "web_search", max_uses: 3 }],
          tool_choice: { type: "any", disable_parallel_tool_use: true },
          stop_sequences: ["END"],
          temperature: 0.5,
          top_k: 5,
          metadata: { user_id: "u-1" },
          thinking: { type: "enabled", budget_tokens: 2048 },
          stream: true,
        },
        { model: "gpt-5-nano", schema: { name: "OpenAI" } },
      ),
    );
    assert.equal(out.path, "/v1/chat/completions");
    assert.equal(out.headers, undefined);
    assert.deepEqual(jsonOf(out.body), {
      model: "gpt-5-nano",
      messages: [
        { role: "system", content: "You are terse.\n\nUse metric units." },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather in Paris? See the map." },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: "image_url", image_url: { url: "https://example.com/map.jpg" } },
            {
              type: "file",
              file: { filename: "brief.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
            },
          ],
        },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "toolu_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "18C" },
        { role: "user", content: "And tomorrow?" },
      ],
      max_completion_tokens: 1024,
      stop: ["END"],
      temperature: 0.5,
      tools: [openAICityWeatherTool],
      tool_choice: "required",
      parallel_tool_calls: false,
      user: "u-1",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("maps role system messages, tool_choice tool/none/auto, output_config and the schema prefix", () => {
    const out = translator.request(
      requestInput(
        {
          model: "m",
          max_tokens: 10,
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: "hi" },
          ],
          tools: [{ name: "f", input_schema: { type: "object" } }],
          tool_choice: { type: "tool", name: "f" },
          output_config: { effort: "high", format: { type: "json_schema", schema: { type: "object" } } },
        },
        { schema: { name: "OpenAI", prefix: "/api/openai/v1" } },
      ),
    );
    assert.equal(out.path, "/api/openai/v1/chat/completions");
    const body = jsonOf(out.body) as Record<string, unknown>;
    assert.deepEqual(body.messages, [
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
    ]);
    assert.deepEqual(body.tool_choice, { type: "function", function: { name: "f" } });
    assert.equal(body.reasoning_effort, "high");
    assert.deepEqual(body.response_format, {
      type: "json_schema",
      json_schema: { name: "output", schema: { type: "object" }, strict: true },
    });
    assert.equal(body.stream, undefined);
  });

  it("rejects blocks OpenAI cannot carry", () => {
    assert.throws(
      () =>
        translator.request(
          requestInput({
            model: "m",
            max_tokens: 1,
            messages: [
              {
                role: "user",
                content: [{ type: "document", source: { type: "url", url: "https://x/a.pdf" } }],
              },
            ],
          }),
        ),
      InvalidRequestError,
    );
  });
});

describe("Anthropic Messages -> OpenAI chat: response", () => {
  it("turns a recorded chat.completion with a tool call into a Message", () => {
    const recorded = loadCassette("chat-parallel-tools").interactions[0]!.response;
    const response = translator.response(responseContext(200, "gpt-5-nano"));
    const out = response.body(Buffer.from(recorded.body));
    assert.equal(out.status, 200);
    assert.deepEqual(jsonOf(out.body), {
      id: "chatcmpl-C4GmNWjg23NFd2DxEgJ1aMbICfhdA",
      type: "message",
      role: "assistant",
      model: "gpt-5-nano-2025-08-07",
      content: [
        {
          type: "tool_use",
          id: "call_Xc4Aiih37EUJvqjoZlu4Vdoi",
          name: "get_current_weather",
          input: { location: "San Francisco, CA" },
        },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 162, output_tokens: 219 },
    });
    assert.deepEqual(response.usage, {
      inputTokens: 162,
      outputTokens: 219,
      totalTokens: 381,
      cachedInputTokens: 0,
      cacheCreationInputTokens: 0,
      reasoningTokens: 192,
    });
    assert.equal(response.responseModel, "gpt-5-nano-2025-08-07");
  });

  it("answers a recorded OpenAI error and a non-JSON error in the Anthropic envelope", () => {
    const recorded = loadCassette("chat-bad-request").interactions[0]!.response;
    const out = translator.response(responseContext(recorded.status, "m")).body(Buffer.from(recorded.body));
    assert.equal(out.status, 400);
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: {
        type: "invalid_request_error",
        message:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      },
    });
    const text = translator.response(responseContext(503, "m")).body(Buffer.from("no healthy upstream"));
    assert.deepEqual(jsonOf(text.body), {
      type: "error",
      error: { type: "service_unavailable_error", message: "no healthy upstream" },
    });
  });

  it("streams text and parallel tool calls as Anthropic events, whatever the chunk boundaries", () => {
    const msg = {
      id: "chatcmpl-C4Hq5toolstream",
      type: "message",
      role: "assistant",
      model: "gpt-5-nano-2025-08-07",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    const expected = [
      anthropicEvent({ type: "message_start", message: msg }),
      anthropicEvent({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      anthropicEvent({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "Let me look." },
      }),
      anthropicEvent({ type: "content_block_stop", index: 0 }),
      anthropicEvent({
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "call_A", name: "get_weather", input: {} },
      }),
      anthropicEvent({
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: '{"city":' },
      }),
      anthropicEvent({
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: '"Paris"}' },
      }),
      anthropicEvent({ type: "content_block_stop", index: 1 }),
      anthropicEvent({
        type: "content_block_start",
        index: 2,
        content_block: { type: "tool_use", id: "call_B", name: "get_weather", input: {} },
      }),
      anthropicEvent({
        type: "content_block_delta",
        index: 2,
        delta: { type: "input_json_delta", partial_json: '{"city":"Oslo"}' },
      }),
      anthropicEvent({ type: "content_block_stop", index: 2 }),
      anthropicEvent({
        type: "message_delta",
        delta: { stop_reason: "tool_use", stop_sequence: null },
        usage: { input_tokens: 34, output_tokens: 219, cache_read_input_tokens: 128 },
      }),
      anthropicEvent({ type: "message_stop" }),
    ];
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = translator.response(responseContext(200, "gpt-5-nano", { stream: true }));
      assert.equal(response.streamContentType, "text/event-stream");
      assert.deepEqual(
        anthropicEvents(runStream(response, openAIToolStream, size)),
        expected,
        `size ${size}`,
      );
      assert.deepEqual(response.usage, {
        inputTokens: 162,
        outputTokens: 219,
        totalTokens: 381,
        cachedInputTokens: 128,
        cacheCreationInputTokens: 0,
        reasoningTokens: 192,
      });
      assert.equal(response.responseModel, "gpt-5-nano-2025-08-07");
    }
  });

  it("streams reasoning_content as a thinking block and closes without usage when none came", () => {
    const response = translator.response(responseContext(200, "qwen", { stream: true }));
    const events = anthropicEvents(runStream(response, openAIReasoningStream, 17));
    assert.deepEqual(
      events.map(([name, data]) => (name === "content_block_delta" ? data.delta : name)),
      [
        "message_start",
        "content_block_start",
        { type: "thinking_delta", thinking: "Think: 2+2." },
        "content_block_stop",
        "content_block_start",
        { type: "text_delta", text: "4" },
        "content_block_stop",
        "message_delta",
        "message_stop",
      ],
    );
    assert.deepEqual(events[7]![1], {
      type: "message_delta",
      delta: { stop_reason: "max_tokens", stop_sequence: null },
      usage: { output_tokens: 0 },
    });
  });

  it("closes the message when the upstream ends without [DONE], and turns a stream error into an error event", () => {
    const cut = openAIToolStream.slice(0, openAIToolStream.indexOf("data: [DONE]"));
    const response = translator.response(responseContext(200, "m", { stream: true }));
    const names = anthropicEvents(runStream(response, cut, 64)).map(([name]) => name);
    assert.deepEqual(names.slice(-2), ["message_delta", "message_stop"]);

    const failing = translator.response(responseContext(200, "m", { stream: true }));
    const sse =
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n' +
      'data: {"error":{"message":"The server had an error","type":"server_error","code":null}}\n\n';
    const events = anthropicEvents(runStream(failing, sse, 5));
    assert.deepEqual(events.at(-1), [
      "error",
      { type: "error", error: { type: "api_error", message: "The server had an error" } },
    ]);
    assert.ok(!events.some(([name]) => name === "message_stop"));
  });
});
