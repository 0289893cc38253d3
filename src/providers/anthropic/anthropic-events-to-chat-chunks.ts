import { openAIErrorBody } from "../../api/openai-error.js";
import type { TokenUsage } from "../../usage/token-usage.js";
import type { AnthropicStreamEvent } from "./anthropic-wire-types.js";
import { AnthropicStreamUsage } from "./convert-anthropic-usage.js";
import { convertTokenUsageToOpenAI } from "./convert-token-usage-to-openai.js";
import { mapAnthropicErrorTypeToStatus } from "./map-anthropic-error-type-to-status.js";
import { mapAnthropicStopReason } from "./map-anthropic-stop-reason.js";

/**
 * Turns the events of an Anthropic Messages stream (from Anthropic's SSE or unwrapped from
 * Bedrock's event stream) into OpenAI `chat.completion.chunk` SSE, one event at a time:
 * - message_start -> the role chunk (`{"role":"assistant","content":""}`);
 * - text and thinking deltas -> `content` and `reasoning_content` deltas;
 * - what a reasoning string cannot carry goes to `thinking_blocks` deltas (the LiteLLM convention):
 *   a signature_delta -> `[{"type":"thinking","signature"}]`, which closes the thinking block whose
 *   text came before it; a redacted_thinking block -> `[{"type":"redacted_thinking","data"}]`;
 * - a tool_use block -> a tool call (id, name) with the next tool index, and its input_json_delta
 *   pieces -> `arguments` deltas for that index;
 * - message_stop -> the finish chunk, then the usage chunk when asked for;
 * - ping -> an SSE comment, keeping idle connections open like the original ping did;
 * - an error event -> an OpenAI error object in the stream, which the SDKs raise.
 * The stream closes with `data: [DONE]`, except after an error.
 */
export class AnthropicEventsToChatChunks {
  private readonly streamUsage = new AnthropicStreamUsage();
  /** `{"id":..,"object":"chat.completion.chunk","created":..,"model":..,`: the same on every chunk. */
  private prefix: string | undefined;
  private model: string | undefined;
  /** Anthropic content block index -> OpenAI tool call index, for tool_use blocks. */
  private readonly toolIndexByBlock = new Map<number, number>();
  private stopReason: string | null | undefined;
  private finished = false;
  private failed = false;

  constructor(
    private readonly requestModel: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  get usage(): TokenUsage {
    return this.streamUsage.usage;
  }

  get responseModel(): string | undefined {
    return this.model;
  }

  /** One upstream event in; the SSE text to send now ("" for none). */
  push(event: AnthropicStreamEvent): string {
    switch (event.type) {
      case "message_start":
        this.streamUsage.observe(event);
        if (typeof event.message?.model === "string" && event.message.model !== "") {
          this.model = event.message.model;
        }
        this.prefix = chunkPrefix(event.message?.id ?? "", this.model ?? this.requestModel, this.created);
        return this.chunk('{"role":"assistant","content":""}', null);
      case "content_block_start": {
        const block = event.content_block;
        // A broken upstream's event without its block (or delta) carries nothing to translate.
        if (typeof block !== "object" || block === null) return "";
        if (block.type === "tool_use") {
          const index = this.toolIndexByBlock.size;
          this.toolIndexByBlock.set(event.index, index);
          const input = block.input;
          // The input normally follows as input_json_delta; a start that already holds it says so.
          const args =
            typeof input === "object" && input !== null && Object.keys(input).length > 0
              ? JSON.stringify(input)
              : "";
          const call = {
            index,
            id: block.id,
            type: "function",
            function: { name: block.name, arguments: args },
          };
          return this.chunk(`{"tool_calls":[${JSON.stringify(call)}]}`, null);
        }
        if (block.type === "text" && block.text)
          return this.chunk(JSON.stringify({ content: block.text }), null);
        if (block.type === "thinking" && block.thinking) {
          return this.chunk(JSON.stringify({ reasoning_content: block.thinking }), null);
        }
        // Redacted thinking arrives whole in its start event; no deltas follow.
        if (block.type === "redacted_thinking" && typeof block.data === "string") {
          return this.chunk(
            `{"thinking_blocks":[{"type":"redacted_thinking","data":${JSON.stringify(block.data)}}]}`,
            null,
          );
        }
        return "";
      }
      case "content_block_delta": {
        const delta = event.delta;
        if (typeof delta !== "object" || delta === null) return "";
        switch (delta.type) {
          case "text_delta":
            return delta.text ? this.chunk(`{"content":${JSON.stringify(delta.text)}}`, null) : "";
          case "thinking_delta":
            return delta.thinking
              ? this.chunk(`{"reasoning_content":${JSON.stringify(delta.thinking)}}`, null)
              : "";
          case "input_json_delta": {
            const index = this.toolIndexByBlock.get(event.index);
            if (index === undefined || !delta.partial_json) return "";
            return this.chunk(
              `{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(delta.partial_json)}}}]}`,
              null,
            );
          }
          case "signature_delta":
            return delta.signature
              ? this.chunk(
                  `{"thinking_blocks":[{"type":"thinking","signature":${JSON.stringify(delta.signature)}}]}`,
                  null,
                )
              : "";
          default:
            // citations_delta has no OpenAI counterpart.
            return "";
        }
      }
      case "message_delta":
        this.streamUsage.observe(event);
        if (event.delta?.stop_reason) this.stopReason = event.delta.stop_reason;
        return "";
      case "message_stop":
        return this.finish();
      case "ping":
        return ": ping\n\n";
      case "error": {
        this.failed = true;
        const error = event.error as { type?: unknown; message?: unknown } | null | undefined;
        const type = typeof error?.type === "string" ? error.type : "api_error";
        const message = typeof error?.message === "string" ? error.message : "";
        const status = mapAnthropicErrorTypeToStatus(type);
        return `data: ${openAIErrorBody(status, type, message)}\n\n`;
      }
      default:
        return "";
    }
  }

  /** The upstream ended: close the message if it never said message_stop, then `[DONE]`. */
  end(): string {
    if (this.failed) return "";
    const rest = this.prefix !== undefined ? this.finish() : "";
    return `${rest}data: [DONE]\n\n`;
  }

  private finish(): string {
    if (this.finished) return "";
    this.finished = true;
    let out = this.chunk("{}", mapAnthropicStopReason(this.stopReason));
    if (this.includeUsage) {
      const usage = JSON.stringify(convertTokenUsageToOpenAI(this.streamUsage.usage));
      out += `data: ${this.prefix}"choices":[],"usage":${usage}}\n\n`;
    }
    return out;
  }

  private chunk(delta: string, finishReason: string | null): string {
    this.prefix ??= chunkPrefix("", this.requestModel, this.created);
    const finish = finishReason === null ? "null" : `"${finishReason}"`;
    return `data: ${this.prefix}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
  }
}

function chunkPrefix(id: string, model: string, created: number): string {
  return `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},`;
}
