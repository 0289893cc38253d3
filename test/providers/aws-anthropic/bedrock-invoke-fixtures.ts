import { encodeAwsEvent, encodeAwsException } from "../../support/encode-aws-event.js";

/**
 * InvokeModelWithResponseStream answers for Claude as Bedrock sends them: `chunk` event frames whose
 * payload is {"bytes": base64(<Anthropic event JSON>), "p": <random padding>}, no ping events, and
 * `amazon-bedrock-invocationMetrics` on message_stop.
 */

/** The Anthropic events of a streamed tool call, as Bedrock wraps them. */
export const invokeToolUseEvents: Record<string, unknown>[] = [
  {
    type: "message_start",
    message: {
      id: "msg_bdrk_01YTFbkPbZZHqmhTTUCqJmvo",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 380,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
      },
    },
  },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking Paris." } },
  { type: "content_block_stop", index: 0 },
  {
    type: "content_block_start",
    index: 1,
    content_block: { type: "tool_use", id: "toolu_bdrk_01", name: "get_weather", input: {} },
  },
  {
    type: "content_block_delta",
    index: 1,
    delta: { type: "input_json_delta", partial_json: '{"city": "Pa' },
  },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: 'ris"}' } },
  { type: "content_block_stop", index: 1 },
  {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { output_tokens: 57 },
  },
  {
    type: "message_stop",
    "amazon-bedrock-invocationMetrics": {
      inputTokenCount: 380,
      outputTokenCount: 57,
      invocationLatency: 1422,
      firstByteLatency: 512,
    },
  },
];

/** One `chunk` frame carrying an Anthropic event. */
export function invokeChunk(event: Record<string, unknown>, padding = "abcdefghij"): Buffer {
  const bytes = Buffer.from(JSON.stringify(event), "utf8").toString("base64");
  return encodeAwsEvent("chunk", { bytes, p: padding });
}

export const invokeToolUseStream = Buffer.concat(
  invokeToolUseEvents.map((event, i) => invokeChunk(event, "p".repeat(i + 1))),
);

/** A stream cut short by throttling after message_start. */
export const invokeThrottledStream = Buffer.concat([
  invokeChunk(invokeToolUseEvents[0]!),
  encodeAwsException("throttlingException", { message: "Too many tokens, please wait before trying again." }),
]);
