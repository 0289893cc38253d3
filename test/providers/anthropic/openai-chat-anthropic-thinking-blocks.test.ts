import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openAIChatAnthropicTranslator as translator } from "../../../src/providers/anthropic/openai-chat-anthropic-translator.js";
import { openAIChatAWSAnthropicTranslator } from "../../../src/providers/aws-anthropic/openai-chat-aws-anthropic-translator.js";
import { InvalidRequestError } from "../../../src/providers/translator.js";
import { sseDataPayloads } from "../../support/sse-events.js";
import {
  REDACTED_THINKING_DATA,
  THINKING_SIGNATURE,
  thinkingToolUseMessage,
  thinkingToolUseStream,
} from "./anthropic-fixtures.js";
import {
  AWKWARD_PIECE_SIZES,
  expectedChatChunks,
  jsonOf,
  requestInput,
  responseContext,
  runStream,
} from "./translator-harness.js";

/**
 * Claude's extended thinking for OpenAI chat clients, in the LiteLLM convention the Bedrock Converse
 * translators use too: `reasoning_content` is the text, `thinking_blocks` carries the signature and
 * redacted data, and assistant `thinking_blocks` sent back lead the Anthropic assistant turn.
 */

const tool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: {} } },
};
const toolCall = {
  id: "toolu_01ThinkTool",
  type: "function",
  function: { name: "get_weather", arguments: '{"location":"Paris"}' },
};

function sentMessages(body: Record<string, unknown>): unknown {
  return (jsonOf(translator.request(requestInput(body)).body) as { messages: unknown }).messages;
}

/** A second turn: the assistant message as the client got it, then the tool result. */
function secondTurn(assistant: Record<string, unknown>): Record<string, unknown> {
  return {
    model: "claude-sonnet-4-5",
    thinking: { type: "enabled", budget_tokens: 1024 },
    tools: [tool],
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", ...assistant },
      { role: "tool", tool_call_id: toolCall.id, content: "18C" },
    ],
  };
}

describe("Anthropic thinking -> OpenAI chat: answers", () => {
  it("keeps reasoning_content and adds thinking_blocks with signatures and redacted data, in answer order", () => {
    const response = translator.response(responseContext(200, "claude-sonnet-4-5"));
    const out = jsonOf(response.body(Buffer.from(JSON.stringify(thinkingToolUseMessage))).body) as {
      choices: { message: unknown; finish_reason: string }[];
    };
    assert.deepEqual(out.choices[0]?.message, {
      role: "assistant",
      content: "Let me check.",
      reasoning_content: "The user wants the weather in Paris: call get_weather. Then answer briefly.",
      thinking_blocks: [
        {
          type: "thinking",
          thinking: "The user wants the weather in Paris: call get_weather.",
          signature: THINKING_SIGNATURE,
        },
        { type: "redacted_thinking", data: REDACTED_THINKING_DATA },
        { type: "thinking", thinking: " Then answer briefly.", signature: "EpYBCkYIBxgCIkBsecond" },
      ],
      tool_calls: [toolCall],
    });
    assert.equal(out.choices[0]?.finish_reason, "tool_calls");
  });

  it("a redacted-only answer has thinking_blocks and no reasoning_content", () => {
    const message = {
      ...thinkingToolUseMessage,
      content: [
        { type: "redacted_thinking", data: REDACTED_THINKING_DATA },
        { type: "text", text: "Hi." },
      ],
      stop_reason: "end_turn",
    };
    const response = translator.response(responseContext(200, "claude-sonnet-4-5"));
    const out = jsonOf(response.body(Buffer.from(JSON.stringify(message))).body) as {
      choices: { message: unknown }[];
    };
    assert.deepEqual(out.choices[0]?.message, {
      role: "assistant",
      content: "Hi.",
      thinking_blocks: [{ type: "redacted_thinking", data: REDACTED_THINKING_DATA }],
    });
  });

  it("streams the signature and redacted thinking as thinking_blocks deltas, whatever the chunk boundaries", () => {
    const { choice } = expectedChatChunks("msg_01ThinkTool", "claude-sonnet-4-5-20250929");
    const expected = [
      choice({ role: "assistant", content: "" }),
      choice({ reasoning_content: "The user wants the weather " }),
      choice({ reasoning_content: "in Paris: call get_weather." }),
      choice({ thinking_blocks: [{ type: "thinking", signature: THINKING_SIGNATURE }] }),
      choice({ thinking_blocks: [{ type: "redacted_thinking", data: REDACTED_THINKING_DATA }] }),
      choice({ content: "Let me check." }),
      choice({
        tool_calls: [
          {
            index: 0,
            id: "toolu_01ThinkTool",
            type: "function",
            function: { name: "get_weather", arguments: "" },
          },
        ],
      }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '{"location": "Paris"}' } }] }),
      choice({}, "tool_calls"),
    ];
    for (const size of AWKWARD_PIECE_SIZES) {
      const response = translator.response(responseContext(200, "claude-sonnet-4-5", { stream: true }));
      const payloads = sseDataPayloads(runStream(response, thinkingToolUseStream, size));
      assert.equal(payloads.at(-1), "[DONE]", `size ${size}`);
      assert.deepEqual(
        payloads.slice(0, -1).map((p) => JSON.parse(p)),
        expected,
        `size ${size}`,
      );
      assert.equal(response.usage.outputTokens, 96);
    }
  });
});

describe("OpenAI chat -> Anthropic: thinking_blocks sent back", () => {
  it("lead the assistant turn, before its text and tool_use blocks, signature and data unchanged", () => {
    const messages = sentMessages(
      secondTurn({
        content: "Let me check.",
        reasoning_content: "ignored: the blocks carry the text",
        thinking_blocks: [
          { type: "thinking", thinking: "Call the tool.", signature: THINKING_SIGNATURE },
          { type: "redacted_thinking", data: REDACTED_THINKING_DATA },
        ],
        tool_calls: [toolCall],
      }),
    );
    assert.deepEqual((messages as unknown[])[1], {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "Call the tool.", signature: THINKING_SIGNATURE },
        { type: "redacted_thinking", data: REDACTED_THINKING_DATA },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: toolCall.id, name: "get_weather", input: { location: "Paris" } },
      ],
    });
  });

  it("a thinking block with only its signature (thinking display omitted) goes back with empty text", () => {
    const messages = sentMessages(
      secondTurn({
        content: null,
        thinking_blocks: [{ type: "thinking", signature: THINKING_SIGNATURE }],
        tool_calls: [toolCall],
      }),
    );
    assert.deepEqual((messages as { content: unknown[] }[])[1]?.content[0], {
      type: "thinking",
      thinking: "",
      signature: THINKING_SIGNATURE,
    });
  });

  it("thinking content parts keep working beside thinking_blocks, after them", () => {
    const messages = sentMessages(
      secondTurn({
        content: [
          { type: "thinking", thinking: "Part form.", signature: "sig-part" },
          { type: "redacted_thinking", data: "cmVkYWN0ZWQ=" },
          { type: "text", text: "Checking." },
        ],
        thinking_blocks: [{ type: "thinking", thinking: "Field form.", signature: "sig-field" }],
        tool_calls: [toolCall],
      }),
    );
    assert.deepEqual(
      (messages as { content: { type: string }[] }[])[1]?.content.map((b) => b.type),
      ["thinking", "thinking", "redacted_thinking", "text", "tool_use"],
    );
    assert.deepEqual((messages as { content: unknown[] }[])[1]?.content.slice(0, 3), [
      { type: "thinking", thinking: "Field form.", signature: "sig-field" },
      { type: "thinking", thinking: "Part form.", signature: "sig-part" },
      { type: "redacted_thinking", data: "cmVkYWN0ZWQ=" },
    ]);
  });

  it("Claude on Bedrock (AWSAnthropic) gets the same blocks in its InvokeModel body", () => {
    const body = secondTurn({
      content: null,
      thinking_blocks: [{ type: "thinking", thinking: "Call the tool.", signature: THINKING_SIGNATURE }],
      tool_calls: [toolCall],
    });
    const out = openAIChatAWSAnthropicTranslator.request(
      requestInput(body, { schema: { name: "AWSAnthropic" } }),
    );
    const sent = jsonOf(out.body) as { messages: { content: unknown[] }[] };
    assert.deepEqual(sent.messages[1]?.content[0], {
      type: "thinking",
      thinking: "Call the tool.",
      signature: THINKING_SIGNATURE,
    });
  });

  it("refuses a thinking block without a signature, or with one that is not a string, saying why", () => {
    const refused = (assistant: Record<string, unknown>, message: RegExp) =>
      assert.throws(
        () => translator.request(requestInput(secondTurn(assistant))),
        (err: unknown) => {
          assert.ok(err instanceof InvalidRequestError, String(err));
          assert.match(err.message, message);
          return true;
        },
      );
    const noSignature =
      /^assistant thinking_blocks\[0\] has no signature: Anthropic takes a thinking block back only with the signature Claude returned for it/;
    for (const signature of [undefined, null, ""]) {
      refused(
        { thinking_blocks: [{ type: "thinking", thinking: "t", signature }], tool_calls: [toolCall] },
        noSignature,
      );
    }
    for (const signature of [42, { value: "s" }]) {
      refused(
        { thinking_blocks: [{ type: "thinking", thinking: "t", signature }], tool_calls: [toolCall] },
        /^assistant thinking_blocks\[0\]\.signature must be a string, the signature returned with the thinking block$/,
      );
    }
    refused(
      {
        content: [
          { type: "text", text: "x" },
          { type: "thinking", thinking: "t" },
        ],
        tool_calls: [toolCall],
      },
      /^assistant content\[1\] has no signature: /,
    );
    refused(
      {
        thinking_blocks: [{ type: "thinking", thinking: "t", signature: "s" }, { type: "redacted_thinking" }],
        tool_calls: [toolCall],
      },
      /^assistant thinking_blocks\[1\] \(redacted_thinking\) needs data, /,
    );
    refused(
      { thinking_blocks: [{ type: "reasoning", text: "t" }], tool_calls: [toolCall] },
      /^assistant thinking_blocks\[0\] has type "reasoning"; expected "thinking" or "redacted_thinking"$/,
    );
    refused(
      { thinking_blocks: { type: "thinking" }, tool_calls: [toolCall] },
      /^assistant thinking_blocks must be an array$/,
    );
  });
});
