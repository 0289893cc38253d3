import { anthropicErrorBody } from "./anthropic-error.js";

/**
 * One event of a Messages stream as Anthropic writes it. The `event:` line is not optional: the
 * Anthropic SDKs drop events that lack it, so a translated stream without it looks empty.
 */
export function anthropicSseEvent(type: string, json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`;
}

export type AnthropicBlockKind = "text" | "thinking" | "tool_use" | "redacted_thinking";

/** The usage of message_delta: the whole counts, which replace message_start's. */
export interface MessageDeltaUsage {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
  readonly cache_creation_input_tokens?: number;
  readonly cache_read_input_tokens?: number;
}

/**
 * The one writer of Anthropic Messages streams for translators whose upstream speaks another
 * protocol: message_start, content blocks with their indices (0, 1, ... in order of appearance,
 * one open at a time, as Anthropic streams them), their deltas, message_delta and message_stop.
 * Each method returns the SSE to send ("" for none); what a block of the upstream maps to stays
 * with the translator. Deltas write only the JSON-escaped text into a fixed frame, so a chunk
 * costs no more serialisation than its own text.
 */
export class AnthropicStreamWriter {
  private started = false;
  private done = false;
  private index = -1;
  private open: AnthropicBlockKind | undefined;

  /** Index of the block started last; -1 before the first. Deltas go to it. */
  get lastIndex(): number {
    return this.index;
  }

  /** Kind of the open block, if one is open. */
  get openKind(): AnthropicBlockKind | undefined {
    return this.open;
  }

  /** Whether message_stop has been written. */
  get finished(): boolean {
    return this.done;
  }

  isOpen(index: number | undefined): boolean {
    return this.open !== undefined && index === this.index;
  }

  /**
   * message_start, once: later calls write nothing, so a translator may call it on every upstream
   * event. The usage is 0 because the upstreams report it only at the end; message_delta carries
   * the real counts, which the Anthropic SDKs take as final.
   */
  startMessage(id: string, model: string): string {
    if (this.started) return "";
    this.started = true;
    const message = {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return anthropicSseEvent("message_start", JSON.stringify({ type: "message_start", message }));
  }

  startText(): string {
    return this.startBlock("text", '{"type":"text","text":""}');
  }

  startThinking(): string {
    return this.startBlock("thinking", '{"type":"thinking","thinking":"","signature":""}');
  }

  startToolUse(id: string, name: string): string {
    return this.startBlock("tool_use", JSON.stringify({ type: "tool_use", id, name, input: {} }));
  }

  /** Redacted thinking comes whole in content_block_start; it has no delta. */
  startRedactedThinking(data: string): string {
    return this.startBlock("redacted_thinking", JSON.stringify({ type: "redacted_thinking", data }));
  }

  textDelta(text: string): string {
    return this.delta(`{"type":"text_delta","text":${JSON.stringify(text)}}`, this.index);
  }

  thinkingDelta(thinking: string): string {
    return this.delta(`{"type":"thinking_delta","thinking":${JSON.stringify(thinking)}}`, this.index);
  }

  signatureDelta(signature: string): string {
    return this.delta(`{"type":"signature_delta","signature":${JSON.stringify(signature)}}`, this.index);
  }

  /**
   * Tool input JSON, to the last block or to `index`: an upstream may interleave the arguments of
   * parallel tool calls, each of which keeps the index of its own tool_use block.
   */
  inputJsonDelta(partialJson: string, index = this.index): string {
    return this.delta(`{"type":"input_json_delta","partial_json":${JSON.stringify(partialJson)}}`, index);
  }

  /** content_block_stop for the open block; "" when none is open. */
  stopBlock(): string {
    if (this.open === undefined) return "";
    this.open = undefined;
    return anthropicSseEvent("content_block_stop", `{"type":"content_block_stop","index":${this.index}}`);
  }

  /**
   * Stops the open block, then message_delta (stop reason and the whole usage) and message_stop.
   * stop_sequence is null: no translated upstream says which stop sequence matched.
   */
  finish(stopReason: string, usage: MessageDeltaUsage): string {
    this.done = true;
    const messageDelta = {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage,
    };
    return (
      this.stopBlock() +
      anthropicSseEvent("message_delta", JSON.stringify(messageDelta)) +
      anthropicSseEvent("message_stop", '{"type":"message_stop"}')
    );
  }

  /** An `error` event, Anthropic's way to fail a stream after its 200 status was sent. */
  error(type: string, message: string): string {
    return anthropicSseEvent("error", anthropicErrorBody(type, message));
  }

  /** Stops the open block (blocks do not interleave) and starts the next one. */
  private startBlock(kind: AnthropicBlockKind, contentBlockJson: string): string {
    const out = this.stopBlock();
    this.index++;
    this.open = kind;
    return `${out}${anthropicSseEvent("content_block_start", `{"type":"content_block_start","index":${this.index},"content_block":${contentBlockJson}}`)}`;
  }

  private delta(deltaJson: string, index: number): string {
    return anthropicSseEvent(
      "content_block_delta",
      `{"type":"content_block_delta","index":${index},"delta":${deltaJson}}`,
    );
  }
}
