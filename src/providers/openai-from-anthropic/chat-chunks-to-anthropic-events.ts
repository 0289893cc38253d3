import { anthropicErrorBody, anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";
import { emptyUsage, type TokenUsage } from "../../usage/token-usage.js";
import { anthropicSseEvent } from "../anthropic/anthropic-sse-event.js";
import { convertOpenAIUsage, type OpenAIUsage } from "../openai/convert-openai-usage.js";
import { convertOpenAIUsageToAnthropic } from "./convert-openai-usage-to-anthropic.js";
import { mapOpenAIFinishReason } from "./map-openai-finish-reason.js";

interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface ChatChunk {
  id?: string;
  model?: string;
  choices?: {
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: ToolCallDelta[] | null;
    };
    finish_reason?: string | null;
  }[];
  usage?: OpenAIUsage | null;
  error?: { message?: unknown; code?: unknown };
}

/**
 * Turns OpenAI chat.completion.chunk payloads into the events of an Anthropic Messages stream:
 * message_start at the first choice; reasoning, text and each tool call (by its OpenAI index) as
 * thinking, text and tool_use blocks, one open at a time as Anthropic streams them; then, at
 * `[DONE]` (or when the upstream ends without it), content_block_stop, message_delta with the stop
 * reason and the usage of the final usage chunk, and message_stop. OpenAI reports usage only at
 * the end, so message_start says 0 input tokens and message_delta gives the real counts, which
 * the Anthropic SDKs take over. An error object in the stream becomes an `error` event.
 */
export class ChatChunksToAnthropicEvents {
  readonly usage: TokenUsage = emptyUsage();
  private upstreamUsage: OpenAIUsage | undefined;
  private id = "";
  private model: string | undefined;
  private started = false;
  private closed = false;
  private failed = false;
  /** Index of the last block started; -1 before the first. */
  private blockIndex = -1;
  private openBlock: "text" | "thinking" | "tool_use" | undefined;
  /** OpenAI tool call index -> the Anthropic block index of its tool_use block. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: string | null | undefined;

  constructor(private readonly requestModel: string) {}

  get responseModel(): string {
    return this.model ?? this.requestModel;
  }

  /** One `data:` payload in; the Anthropic SSE to send now ("" for none). */
  push(data: string): string {
    if (this.closed || this.failed) return "";
    if (data === "[DONE]") return this.close();
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      return "";
    }
    if (typeof chunk !== "object" || chunk === null) return "";
    if (chunk.error) return this.fail(chunk.error);
    if (this.id === "" && typeof chunk.id === "string") this.id = chunk.id;
    if (this.model === undefined && typeof chunk.model === "string" && chunk.model !== "")
      this.model = chunk.model;
    if (chunk.usage) {
      this.upstreamUsage = chunk.usage;
      convertOpenAIUsage(chunk.usage, this.usage);
    }
    const choice = chunk.choices?.[0];
    if (!choice) return "";
    let out = this.start();
    const delta = choice.delta;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === "string" && reasoning !== "") {
        out += this.openIfNeeded("thinking");
        out += this.blockDelta(`{"type":"thinking_delta","thinking":${JSON.stringify(reasoning)}}`);
      }
      if (typeof delta.content === "string" && delta.content !== "") {
        out += this.openIfNeeded("text");
        out += this.blockDelta(`{"type":"text_delta","text":${JSON.stringify(delta.content)}}`);
      }
      for (const call of delta.tool_calls ?? []) out += this.toolCall(call);
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** The upstream ended: close the message if `[DONE]` never came. */
  end(): string {
    return this.failed ? "" : this.close();
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    const message = {
      id: this.id,
      type: "message",
      role: "assistant",
      model: this.responseModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return anthropicSseEvent("message_start", JSON.stringify({ type: "message_start", message }));
  }

  private openIfNeeded(kind: "text" | "thinking"): string {
    if (this.openBlock === kind) return "";
    const block =
      kind === "text" ? '{"type":"text","text":""}' : '{"type":"thinking","thinking":"","signature":""}';
    return this.closeBlock() + this.startBlock(block, kind);
  }

  private toolCall(call: ToolCallDelta): string {
    const index = call.index ?? 0;
    let out = "";
    let blockIndex = this.toolBlocks.get(index);
    if (blockIndex === undefined) {
      const block = { type: "tool_use", id: call.id ?? "", name: call.function?.name ?? "", input: {} };
      out += this.closeBlock() + this.startBlock(JSON.stringify(block), "tool_use");
      blockIndex = this.blockIndex;
      this.toolBlocks.set(index, blockIndex);
    }
    const args = call.function?.arguments;
    if (args) {
      const delta = `{"type":"input_json_delta","partial_json":${JSON.stringify(args)}}`;
      out += anthropicSseEvent(
        "content_block_delta",
        `{"type":"content_block_delta","index":${blockIndex},"delta":${delta}}`,
      );
    }
    return out;
  }

  private startBlock(block: string, kind: "text" | "thinking" | "tool_use"): string {
    this.blockIndex++;
    this.openBlock = kind;
    return anthropicSseEvent(
      "content_block_start",
      `{"type":"content_block_start","index":${this.blockIndex},"content_block":${block}}`,
    );
  }

  private blockDelta(delta: string): string {
    return anthropicSseEvent(
      "content_block_delta",
      `{"type":"content_block_delta","index":${this.blockIndex},"delta":${delta}}`,
    );
  }

  private closeBlock(): string {
    if (this.openBlock === undefined) return "";
    this.openBlock = undefined;
    return anthropicSseEvent(
      "content_block_stop",
      `{"type":"content_block_stop","index":${this.blockIndex}}`,
    );
  }

  private close(): string {
    if (this.closed) return "";
    this.closed = true;
    let out = this.start() + this.closeBlock();
    const usage = this.upstreamUsage
      ? convertOpenAIUsageToAnthropic(this.upstreamUsage)
      : { output_tokens: 0 };
    const delta = { stop_reason: mapOpenAIFinishReason(this.finishReason), stop_sequence: null };
    out += anthropicSseEvent("message_delta", JSON.stringify({ type: "message_delta", delta, usage }));
    out += anthropicSseEvent("message_stop", '{"type":"message_stop"}');
    return out;
  }

  private fail(error: { message?: unknown; code?: unknown }): string {
    this.failed = true;
    const status = Number(error.code);
    const type =
      Number.isInteger(status) && status >= 400 ? anthropicErrorTypeForStatus(status) : "api_error";
    const message = typeof error.message === "string" ? error.message : JSON.stringify(error);
    return anthropicSseEvent("error", anthropicErrorBody(type, message));
  }
}
