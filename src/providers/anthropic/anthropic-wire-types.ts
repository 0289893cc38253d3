/**
 * The parts of the Anthropic Messages API wire format the translators read or write
 * (https://docs.anthropic.com/en/api/messages). Fields the gateway never looks at are left out;
 * readers must tolerate anything extra, as the API adds fields often.
 */

/** `usage` of a Message and of `message_start`; `message_delta` repeats these as cumulative totals. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** A response content block: text, thinking, redacted_thinking, tool_use, server_tool_use, ... */
export interface AnthropicContentBlock {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  content: AnthropicContentBlock[];
  model: string;
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** One event of a Messages stream, as carried in the `data:` of an SSE event or a Bedrock chunk. */
export type AnthropicStreamEvent =
  | { type: "message_start"; message: Partial<AnthropicMessage> & { usage?: AnthropicUsage } }
  | { type: "content_block_start"; index: number; content_block: AnthropicContentBlock }
  | { type: "content_block_delta"; index: number; delta: AnthropicBlockDelta }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason?: string | null; stop_sequence?: string | null };
      usage?: AnthropicUsage;
    }
  | { type: "message_stop" }
  | { type: "ping" }
  | { type: "error"; error: { type: string; message: string } };

export interface AnthropicBlockDelta {
  /** text_delta, input_json_delta, thinking_delta, signature_delta, citations_delta. */
  type: string;
  text?: string;
  partial_json?: string;
  thinking?: string;
  signature?: string;
}

/** The error envelope: {"type":"error","error":{"type","message"}}. */
export interface AnthropicErrorBody {
  type?: string;
  error?: { type?: string; message?: string };
}
