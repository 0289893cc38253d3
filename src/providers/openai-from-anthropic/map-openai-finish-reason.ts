/**
 * OpenAI `finish_reason` -> Anthropic `stop_reason`: stop -> end_turn, length -> max_tokens,
 * tool_calls (and the legacy function_call) -> tool_use, content_filter -> refusal. Anything else,
 * or none, reads as end_turn: the answer did end.
 */
export function mapOpenAIFinishReason(finishReason: unknown): string {
  switch (finishReason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}
