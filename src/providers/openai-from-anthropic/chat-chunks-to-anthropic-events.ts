import { anthropicErrorTypeForStatus } from "../../api/anthropic-error.js";
import { AnthropicStreamWriter } from "../../api/anthropic-stream-writer.js";
import { emptyUsage, type TokenUsage } from "../../usage/token-usage.js";
import { refuseDeepAnswer } from "../json-depth-limit.js";
import { convertOpenAIUsage, type OpenAIUsage } from "../openai/convert-openai-usage.js";
import { UpstreamProtocolError } from "../translator.js";
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
 * the end, so message_delta gives the real counts. An error object in the stream becomes an
 * `error` event. Payloads that are not JSON objects are skipped, but a stream that ends (or says
 * `[DONE]`) without a single chunk, or a chunk nested too deeply to rewrite, is UpstreamProtocolError.
 */
export class ChatChunksToAnthropicEvents {
  readonly usage: TokenUsage = emptyUsage();
  private readonly writer = new AnthropicStreamWriter();
  private upstreamUsage: OpenAIUsage | undefined;
  private id = "";
  private model: string | undefined;
  private failed = false;
  /** A chunk (or an error object) has arrived. */
  private seen = false;
  /** OpenAI tool call index -> the Anthropic block index of its tool_use block. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: string | null | undefined;

  constructor(private readonly requestModel: string) {}

  get responseModel(): string {
    return this.model ?? this.requestModel;
  }

  /** One `data:` payload in; the Anthropic SSE to send now ("" for none). */
  push(data: string): string {
    if (this.writer.finished || this.failed) return "";
    if (data === "[DONE]") return this.close();
    refuseDeepAnswer(data, "an upstream stream chunk");
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      return "";
    }
    if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) return "";
    this.seen = true;
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
        if (this.writer.openKind !== "thinking") out += this.writer.startThinking();
        out += this.writer.thinkingDelta(reasoning);
      }
      if (typeof delta.content === "string" && delta.content !== "") {
        if (this.writer.openKind !== "text") out += this.writer.startText();
        out += this.writer.textDelta(delta.content);
      }
      const calls = delta.tool_calls;
      if (Array.isArray(calls)) {
        for (const call of calls) if (typeof call === "object" && call !== null) out += this.toolCall(call);
      }
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** The upstream ended: close the message if `[DONE]` never came. */
  end(): string {
    return this.failed ? "" : this.close();
  }

  private start(): string {
    return this.writer.startMessage(this.id, this.responseModel);
  }

  private toolCall(call: ToolCallDelta): string {
    const index = call.index ?? 0;
    let out = "";
    let blockIndex = this.toolBlocks.get(index);
    if (blockIndex === undefined) {
      out += this.writer.startToolUse(call.id ?? "", call.function?.name ?? "");
      blockIndex = this.writer.lastIndex;
      this.toolBlocks.set(index, blockIndex);
    }
    const args = call.function?.arguments;
    if (typeof args === "string" && args !== "") out += this.writer.inputJsonDelta(args, blockIndex);
    return out;
  }

  private close(): string {
    if (this.writer.finished) return "";
    if (!this.seen) throw new UpstreamProtocolError("the upstream stream ended without any chunk");
    const usage = this.upstreamUsage
      ? convertOpenAIUsageToAnthropic(this.upstreamUsage)
      : { output_tokens: 0 };
    return this.start() + this.writer.finish(mapOpenAIFinishReason(this.finishReason), usage);
  }

  private fail(error: { message?: unknown; code?: unknown }): string {
    this.failed = true;
    const code = error.code;
    const status = typeof code === "number" || typeof code === "string" ? Number(code) : Number.NaN;
    const type =
      Number.isInteger(status) && status >= 400 ? anthropicErrorTypeForStatus(status) : "api_error";
    const message = typeof error.message === "string" ? error.message : JSON.stringify(error);
    return this.writer.error(type, message);
  }
}
