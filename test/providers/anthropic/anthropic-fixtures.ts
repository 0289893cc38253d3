/**
 * Anthropic Messages API answers in the documented wire format
 * (https://docs.anthropic.com/en/api/messages, .../messages-streaming), as the unit tests feed them
 * to the translators, with the usage the gateway counts for them; and a Messages tool.
 */

/** Anthropic events as the API streams them: `event: <type>` and `data: <JSON>` per event. */
function toSse(events: (Record<string, unknown> & { type: string })[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
}

/** The same for data lines written out as the API sent them, byte for byte (spacing, key order). */
function rawSse(...data: string[]): string {
  return data
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join("");
}

/** A non-streaming answer with a thinking block, text, a tool call and prompt-cache usage. */
export const toolUseMessage = {
  id: "msg_01Aq9w938a90dw8q",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [
    { type: "thinking", thinking: "The user wants the weather. ", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" },
    { type: "text", text: "I'll check the weather in San Francisco." },
    {
      type: "tool_use",
      id: "toolu_01A09q90qw90lq917835lq9",
      name: "get_weather",
      input: { location: "San Francisco, CA", unit: "celsius" },
    },
  ],
  stop_reason: "tool_use",
  stop_sequence: null,
  usage: {
    input_tokens: 472,
    cache_creation_input_tokens: 100,
    cache_read_input_tokens: 2048,
    output_tokens: 89,
    service_tier: "standard",
  },
};

/** The usage the gateway counts for toolUseMessage: input is 472 + 100 cache writes + 2048 cache reads. */
export const toolUseMessageUsage = {
  inputTokens: 2620,
  outputTokens: 89,
  totalTokens: 2709,
  cachedInputTokens: 2048,
  cacheCreationInputTokens: 100,
  reasoningTokens: 0,
};

/** A client tool as Messages requests define it; openAICityWeatherTool is the same tool for OpenAI chat. */
export const anthropicCityWeatherTool = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

/** A plain text answer. */
export const textMessage = {
  id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [{ type: "text", text: "Hi! My name is Claude." }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503 },
};

/** SSE for a streamed answer: text, then a tool call whose input arrives as input_json_delta pieces. */
export const toolUseStream = rawSse(
  '{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,"output_tokens":2},"content":[],"stop_reason":null}}',
  '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
  '{"type": "ping"}',
  '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let\'s check "}}',
  '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"the weather – ☀️"}}',
  '{"type":"content_block_stop","index":0}',
  '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}',
  '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}',
  '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}',
  '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San Francisco, CA\\"}"}}',
  '{"type":"content_block_stop","index":1}',
  '{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}',
  '{"type":"message_stop"}',
);

/** The usage the gateway counts for toolUseStream: input is 472 + 1024 cache reads. */
export const toolUseStreamUsage = {
  inputTokens: 1496,
  outputTokens: 89,
  totalTokens: 1585,
  cachedInputTokens: 1024,
  cacheCreationInputTokens: 0,
  reasoningTokens: 0,
};

/** SSE for a streamed answer with extended thinking before the text. */
export const thinkingStream = rawSse(
  '{"type":"message_start","message":{"id":"msg_01Thinking","type":"message","role":"assistant","model":"claude-opus-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":1}}}',
  '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}',
  '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"2+2 is 4."}}',
  '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}}',
  '{"type":"content_block_stop","index":0}',
  '{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}',
  '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"4"}}',
  '{"type":"content_block_stop","index":1}',
  '{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":12,"output_tokens_details":{"thinking_tokens":9}}}',
  '{"type":"message_stop"}',
);

/** The signature and redacted data of the extended-thinking fixtures below. */
export const THINKING_SIGNATURE =
  "EqQBCkgIBxABGAIiQJ0Ll3Rm8TgS1EaXqCTQ0s0Hrz6hLq3mVmtw7k7pBXGOc5dXrUhtGQyMw1eQ0oQ9J1f2kz6kB8Lw==";
export const REDACTED_THINKING_DATA =
  "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN3kYiX";

/** The answer of thinkingToolUseStream not streamed, with a second thinking block after the redacted one. */
export const thinkingToolUseMessage = {
  id: "msg_01ThinkTool",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [
    {
      type: "thinking",
      thinking: "The user wants the weather in Paris: call get_weather.",
      signature: THINKING_SIGNATURE,
    },
    { type: "redacted_thinking", data: REDACTED_THINKING_DATA },
    { type: "thinking", thinking: " Then answer briefly.", signature: "EpYBCkYIBxgCIkBsecond" },
    { type: "text", text: "Let me check." },
    { type: "tool_use", id: "toolu_01ThinkTool", name: "get_weather", input: { location: "Paris" } },
  ],
  stop_reason: "tool_use",
  stop_sequence: null,
  usage: { input_tokens: 412, output_tokens: 96 },
};

/**
 * SSE for a tool-use answer with extended thinking: a thinking block (its text in two deltas, then
 * its signature_delta), a redacted_thinking block (whole in its start event), text, and a tool call.
 */
export const thinkingToolUseStream = toSse([
  {
    type: "message_start",
    message: {
      ...thinkingToolUseMessage,
      content: [],
      stop_reason: null,
      usage: {
        input_tokens: 412,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 4,
      },
    },
  },
  { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
  { type: "ping" },
  {
    type: "content_block_delta",
    index: 0,
    delta: { type: "thinking_delta", thinking: "The user wants the weather " },
  },
  {
    type: "content_block_delta",
    index: 0,
    delta: { type: "thinking_delta", thinking: "in Paris: call get_weather." },
  },
  {
    type: "content_block_delta",
    index: 0,
    delta: { type: "signature_delta", signature: THINKING_SIGNATURE },
  },
  { type: "content_block_stop", index: 0 },
  {
    type: "content_block_start",
    index: 1,
    content_block: { type: "redacted_thinking", data: REDACTED_THINKING_DATA },
  },
  { type: "content_block_stop", index: 1 },
  { type: "content_block_start", index: 2, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "Let me check." } },
  { type: "content_block_stop", index: 2 },
  {
    type: "content_block_start",
    index: 3,
    content_block: { type: "tool_use", id: "toolu_01ThinkTool", name: "get_weather", input: {} },
  },
  {
    type: "content_block_delta",
    index: 3,
    delta: { type: "input_json_delta", partial_json: '{"location": "Paris"}' },
  },
  { type: "content_block_stop", index: 3 },
  {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { output_tokens: 96 },
  },
  { type: "message_stop" },
]);

/** An error that arrives inside a 200 stream (the API was overloaded mid-answer). */
export const overloadedMidStream = rawSse(
  '{"type":"message_start","message":{"id":"msg_01Overload","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}',
  '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
);

export const rateLimitError = {
  type: "error",
  error: {
    type: "rate_limit_error",
    message: "Number of request tokens has exceeded your per-minute rate limit",
  },
};
