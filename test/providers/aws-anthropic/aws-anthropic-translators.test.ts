import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anthropicMessagesAWSAnthropicTranslator as messagesTranslator } from "../../../src/providers/aws-anthropic/anthropic-messages-aws-anthropic-translator.js";
import { openAIChatAWSAnthropicTranslator as chatTranslator } from "../../../src/providers/aws-anthropic/openai-chat-aws-anthropic-translator.js";
import { sseDataPayloads } from "../../support/sse-events.js";
import { toolUseMessage } from "../anthropic/anthropic-fixtures.js";
import {
  AWKWARD_PIECE_SIZES,
  jsonOf,
  RESPONSE_CREATED,
  requestInput,
  responseContext,
  runStream,
} from "../anthropic/translator-harness.js";
import { bedrockErrorHeaders } from "../aws-bedrock/bedrock-test-input.js";
import {
  invokeThrottledStream,
  invokeToolUseEvents,
  invokeToolUseStream,
} from "./bedrock-invoke-fixtures.js";

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const schema = { name: "AWSAnthropic" as const };

describe("Anthropic Messages -> Claude on Bedrock (InvokeModel): request", () => {
  it("moves model to the path, drops stream, adds anthropic_version and the betas Bedrock knows", () => {
    const out = messagesTranslator.request(
      requestInput(
        {
          model: MODEL,
          max_tokens: 1024,
          stream: true,
          system: "Be brief.",
          messages: [{ role: "user", content: "Hello" }],
          thinking: { type: "enabled", budget_tokens: 1024 },
        },
        {
          schema,
          headers: {
            "anthropic-beta":
              "interleaved-thinking-2025-05-14, prompt-caching-2024-07-31,advanced-tool-use-2025-11-20,tool-search-tool-2025-10-19",
          },
        },
      ),
    );
    assert.equal(
      out.path,
      "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream",
    );
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 1024,
      system: "Be brief.",
      messages: [{ role: "user", content: "Hello" }],
      thinking: { type: "enabled", budget_tokens: 1024 },
      anthropic_beta: ["interleaved-thinking-2025-05-14", "tool-search-tool-2025-10-19"],
    });
  });

  it("uses schema.version and sends no anthropic_beta without known flags", () => {
    const out = messagesTranslator.request(
      requestInput(
        { model: "claude", max_tokens: 5, messages: [{ role: "user", content: "x" }] },
        {
          model: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5",
          schema: { name: "AWSAnthropic", version: "bedrock-2023-05-31-custom" },
          headers: { "anthropic-beta": "files-api-2025-04-14" },
        },
      ),
    );
    assert.equal(
      out.path,
      "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-haiku-4-5/invoke",
    );
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "bedrock-2023-05-31-custom",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
  });
});

describe("Anthropic Messages -> Claude on Bedrock (InvokeModel): response", () => {
  it("returns the Message as Bedrock sent it and counts usage", () => {
    const response = messagesTranslator.response(responseContext(200, MODEL));
    const upstream = Buffer.from(JSON.stringify(toolUseMessage));
    assert.equal(response.body(upstream).body, upstream);
    assert.equal(response.usage.inputTokens, 2620);
    assert.equal(response.usage.outputTokens, 89);
  });

  it("answers Bedrock errors in the Anthropic envelope", () => {
    const validation = messagesTranslator
      .response(responseContext(400, MODEL, { headers: bedrockErrorHeaders("ValidationException") }))
      .body(Buffer.from('{"message":"max_tokens: Field required"}'));
    assert.equal(validation.status, 400);
    assert.deepEqual(jsonOf(validation.body), {
      type: "error",
      error: { type: "invalid_request_error", message: "max_tokens: Field required" },
    });
    const throttled = messagesTranslator
      .response(responseContext(429, MODEL, { headers: { "x-amzn-errortype": "ThrottlingException" } }))
      .body(Buffer.from('{"message":"Too many requests, please wait before trying again."}'));
    assert.deepEqual(jsonOf(throttled.body), {
      type: "error",
      error: { type: "rate_limit_error", message: "Too many requests, please wait before trying again." },
    });
  });

  it("rewrites the event stream into Anthropic SSE with event: lines, whatever the chunk boundaries", () => {
    const expected = invokeToolUseEvents
      .map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`)
      .join("");
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = messagesTranslator.response(
        responseContext(200, MODEL, {
          stream: true,
          headers: { "content-type": "application/vnd.amazon.eventstream" },
        }),
      );
      assert.equal(response.streamContentType, "text/event-stream");
      assert.equal(runStream(response, invokeToolUseStream, size), expected, `size ${size}`);
      assert.deepEqual(response.usage, {
        inputTokens: 380,
        outputTokens: 57,
        totalTokens: 437,
        cachedInputTokens: 0,
        cacheCreationInputTokens: 0,
        reasoningTokens: 0,
      });
      assert.equal(response.responseModel, "claude-sonnet-4-5-20250929");
    }
  });

  it("turns a throttling exception frame into an Anthropic error event", () => {
    const response = messagesTranslator.response(responseContext(200, MODEL, { stream: true }));
    const out = runStream(response, invokeThrottledStream, 10);
    assert.ok(
      out.endsWith(
        'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"Too many tokens, please wait before trying again."}}\n\n',
      ),
      out,
    );
  });
});

describe("OpenAI chat -> Claude on Bedrock (InvokeModel)", () => {
  it("builds the Messages body with Bedrock's anthropic_version and the model in the path", () => {
    const out = chatTranslator.request(
      requestInput(
        { model: "claude-haiku", messages: [{ role: "user", content: "Hi" }], stream: true, max_tokens: 64 },
        { model: "anthropic.claude-3-5-haiku-20241022-v1:0", schema },
      ),
    );
    assert.equal(out.path, "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream");
    // Nothing is set; a client's anthropic-beta header is removed (Bedrock takes flags in the body).
    assert.deepEqual(out.headers, { "anthropic-beta": undefined });
    assert.deepEqual(jsonOf(out.body), {
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 64,
      messages: [{ role: "user", content: "Hi" }],
    });
  });

  it("streams chat.completion.chunks from the event stream with exact usage", () => {
    for (const size of AWKWARD_PIECE_SIZES) {
      const request = requestInput(
        {
          model: MODEL,
          messages: [{ role: "user", content: "x" }],
          stream: true,
          stream_options: { include_usage: true },
        },
        { schema },
      );
      const response = chatTranslator.response(responseContext(200, MODEL, { stream: true, request }));
      const payloads = sseDataPayloads(runStream(response, invokeToolUseStream, size));
      assert.equal(payloads.at(-1), "[DONE]");
      const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p) as Record<string, unknown>);
      assert.deepEqual(chunks[0], {
        id: "msg_bdrk_01YTFbkPbZZHqmhTTUCqJmvo",
        object: "chat.completion.chunk",
        created: RESPONSE_CREATED,
        model: "claude-sonnet-4-5-20250929",
        choices: [
          { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
        ],
      });
      const deltas = chunks.map((c) => (c.choices as { delta: unknown }[])[0]?.delta);
      assert.deepEqual(deltas.slice(1, 6), [
        { content: "Checking Paris." },
        {
          tool_calls: [
            {
              index: 0,
              id: "toolu_bdrk_01",
              type: "function",
              function: { name: "get_weather", arguments: "" },
            },
          ],
        },
        { tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] },
        { tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] },
        {},
      ]);
      assert.equal((chunks[5]!.choices as { finish_reason: string }[])[0]!.finish_reason, "tool_calls");
      assert.deepEqual(chunks[6]!.usage, {
        prompt_tokens: 380,
        completion_tokens: 57,
        total_tokens: 437,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      });
      assert.equal(response.usage.totalTokens, 437);
    }
  });

  it("answers Bedrock errors in the OpenAI envelope with the AWS error type", () => {
    const out = chatTranslator
      .response(
        responseContext(403, MODEL, {
          headers: {
            "content-type": "application/json",
            "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/",
          },
        }),
      )
      .body(Buffer.from('{"message":"You don\'t have access to the model with the specified model ID."}'));
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: {
        type: "AccessDeniedException",
        code: "403",
        message: "You don't have access to the model with the specified model ID.",
      },
    });
  });
});
