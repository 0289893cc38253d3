import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicCountTokensAnthropicTranslator as countTokens } from "../../../src/providers/anthropic/anthropic-count-tokens-anthropic-translator.js";
import { anthropicMessagesAnthropicTranslator as translator } from "../../../src/providers/anthropic/anthropic-messages-anthropic-translator.js";
import { AnthropicStreamUsage } from "../../../src/providers/anthropic/convert-anthropic-usage.js";
import {
  thinkingStream,
  toolUseMessage,
  toolUseMessageUsage,
  toolUseStream,
  toolUseStreamUsage,
} from "./anthropic-fixtures.js";
import {
  AWKWARD_PIECE_SIZES,
  jsonOf,
  requestInput,
  responseContext,
  runStream,
} from "./translator-harness.js";

const body = {
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hello, Claude" }],
};

describe("Anthropic Messages -> Anthropic (passthrough): request", () => {
  it("forwards the client's bytes, version and beta flags to <prefix>/messages", () => {
    const input = requestInput(body, {
      headers: { "anthropic-version": "2026-10-21", "anthropic-beta": "interleaved-thinking-2025-05-14" },
    });
    const out = translator.request(input);
    assert.equal(out.path, "/v1/messages");
    assert.equal(out.body, input.raw, "the very same bytes");
    assert.deepEqual(out.headers, {
      "anthropic-version": "2026-10-21",
      "anthropic-beta": "interleaved-thinking-2025-05-14",
    });
  });

  it("pins 2023-06-01 when the client names no version; rewrites only model on override", () => {
    const out = translator.request(
      requestInput(body, {
        model: "claude-sonnet-4-5-20250929",
        schema: { name: "Anthropic", prefix: "/proxy/v1" },
      }),
    );
    assert.equal(out.path, "/proxy/v1/messages");
    assert.deepEqual(out.headers, { "anthropic-version": "2023-06-01" });
    assert.deepEqual(jsonOf(out.body), { ...body, model: "claude-sonnet-4-5-20250929" });
  });
});

describe("Anthropic Messages -> Anthropic (passthrough): response", () => {
  it("returns the Message unchanged and counts its usage", () => {
    const response = translator.response(responseContext(200, "claude-sonnet-4-5"));
    const upstream = Buffer.from(JSON.stringify(toolUseMessage));
    const out = response.body(upstream);
    assert.equal(out.body, upstream);
    assert.deepEqual(response.usage, toolUseMessageUsage);
    assert.equal(response.responseModel, "claude-sonnet-4-5-20250929");
  });

  it("passes JSON errors through and wraps anything else in the Anthropic envelope by status", () => {
    const json = Buffer.from('{"type":"error","error":{"type":"not_found_error","message":"model: nope"}}');
    assert.equal(translator.response(responseContext(404, "m")).body(json).body, json);
    const overloaded = translator
      .response(responseContext(529, "m"))
      .body(Buffer.from("upstream overloaded"));
    assert.equal(overloaded.status, 529);
    assert.deepEqual(jsonOf(overloaded.body), {
      type: "error",
      error: { type: "overloaded_error", message: "upstream overloaded" },
    });
    const gateway = translator.response(responseContext(502, "m")).body(Buffer.from("<html>502</html>"));
    assert.deepEqual(jsonOf(gateway.body), {
      type: "error",
      error: { type: "api_error", message: "<html>502</html>" },
    });
  });

  it("relays the stream byte for byte and counts usage from message_start and the last message_delta", () => {
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = translator.response(
        responseContext(200, "claude-sonnet-4-5", {
          stream: true,
          headers: { "content-type": "text/event-stream; charset=utf-8" },
        }),
      );
      assert.equal(response.streamContentType, "text/event-stream; charset=utf-8");
      assert.equal(runStream(response, toolUseStream, size), toolUseStream, `size ${size}`);
      assert.deepEqual(response.usage, toolUseStreamUsage);
      assert.equal(response.responseModel, "claude-sonnet-4-5-20250929");
    }
    const thinking = translator.response(responseContext(200, "m", { stream: true }));
    runStream(thinking, thinkingStream, 11);
    assert.equal(thinking.usage.reasoningTokens, 9);
  });
});

describe("AnthropicStreamUsage", () => {
  it("takes cumulative totals and ignores zeros for counts already reported", () => {
    const usage = new AnthropicStreamUsage();
    usage.observe({
      type: "message_start",
      message: { usage: { input_tokens: 15, cache_read_input_tokens: 100, output_tokens: 1 } },
    });
    usage.observe({ type: "message_delta", delta: {}, usage: { output_tokens: 40 } });
    usage.observe({
      type: "message_delta",
      delta: { stop_reason: "end_turn" },
      usage: { input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 55 },
    });
    assert.deepEqual(usage.usage, {
      inputTokens: 115,
      outputTokens: 55,
      totalTokens: 170,
      cachedInputTokens: 100,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
    });
  });

  it("takes input counts a backend reports only on message_delta", () => {
    const usage = new AnthropicStreamUsage();
    usage.observe({ type: "message_start", message: { usage: { input_tokens: 0, output_tokens: 0 } } });
    usage.observe({
      type: "message_delta",
      delta: {},
      usage: { input_tokens: 4522, cache_creation_input_tokens: 4511, output_tokens: 5 },
    });
    assert.equal(usage.usage.inputTokens, 9033);
    assert.equal(usage.usage.cacheCreationInputTokens, 4511);
    assert.equal(usage.usage.totalTokens, 9038);
  });
});

describe("Anthropic count_tokens -> Anthropic (passthrough)", () => {
  it("forwards to <prefix>/messages/count_tokens and reports the count as input usage", () => {
    const input = requestInput(body, { headers: { "anthropic-version": "2026-10-21" } });
    const out = countTokens.request(input);
    assert.equal(out.path, "/v1/messages/count_tokens");
    assert.equal(out.body, input.raw);
    assert.deepEqual(out.headers, { "anthropic-version": "2026-10-21" });
    const response = countTokens.response(responseContext(200, "claude-sonnet-4-5"));
    const answer = Buffer.from('{"input_tokens":2095}');
    assert.equal(response.body(answer).body, answer);
    assert.equal(response.usage.inputTokens, 2095);
    assert.equal(response.usage.outputTokens, 0);
    const error = countTokens.response(responseContext(400, "m")).body(Buffer.from("bad"));
    assert.deepEqual(jsonOf(error.body), {
      type: "error",
      error: { type: "invalid_request_error", message: "bad" },
    });
  });
});
