/** OpenAI chat `finish_reason` values the Anthropic stop reasons map onto. */
export type OpenAIFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/**
 * Anthropic `stop_reason` -> OpenAI `finish_reason`, as Envoy AI Gateway maps it. `pause_turn`
 * (a server tool paused a long turn) has no OpenAI counterpart and reads as a normal stop;
 * `model_context_window_exceeded` is a length limit like `max_tokens`. A missing or unknown reason
 * reads as `stop`: the message did end.
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined): OpenAIFinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}
