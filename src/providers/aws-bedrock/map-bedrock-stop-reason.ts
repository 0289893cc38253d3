/**
 * Converse `stopReason` values: end_turn | tool_use | max_tokens | stop_sequence |
 * guardrail_intervened | content_filtered | malformed_model_output | malformed_tool_use |
 * model_context_window_exceeded. Unknown future values fall back to a plain stop.
 */

/** As an OpenAI `finish_reason`. */
export function mapBedrockStopReasonToOpenAI(stopReason: string | undefined): string {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "content_filtered":
    case "guardrail_intervened":
      return "content_filter";
    default:
      return "stop";
  }
}

/** As an Anthropic `stop_reason`. */
export function mapBedrockStopReasonToAnthropic(stopReason: string | undefined): string {
  switch (stopReason) {
    case "max_tokens":
    case "stop_sequence":
    case "tool_use":
    case "model_context_window_exceeded":
      return stopReason;
    case "content_filtered":
    case "guardrail_intervened":
      return "refusal";
    default:
      return "end_turn";
  }
}
