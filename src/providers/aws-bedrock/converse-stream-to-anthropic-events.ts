import { anthropicErrorBody } from "../../api/anthropic-error.js";
import type { TokenUsage } from "../../usage/token-usage.js";
import type { BedrockStreamException } from "../aws/read-bedrock-stream-exception.js";
import { mapBedrockErrorToAnthropicType } from "../aws-anthropic/map-bedrock-error-to-anthropic-type.js";
import { backendError, type ConverseStreamHandler } from "./converse-stream-reader.js";
import type { ConverseStreamPayload, ConverseUsage } from "./converse-types.js";
import { anthropicUsageJson, redactedData } from "./convert-converse-to-anthropic-response.js";
import { convertConverseUsage } from "./convert-converse-usage.js";
import { mapBedrockStopReasonToAnthropic } from "./map-bedrock-stop-reason.js";

type BlockKind = "text" | "thinking" | "tool_use" | "redacted_thinking";

interface OpenBlock {
  /** Anthropic block index: 0, 1, ... in order of appearance. */
  index: number;
  kind: BlockKind;
}

/**
 * ConverseStream events as Anthropic Messages SSE (`event: <type>` before each `data:`, which the
 * Anthropic SDK requires). Converse announces only tool blocks with contentBlockStart; text and
 * reasoning blocks start with their first delta, which decides their type. Usage arrives in
 * `metadata`, usually after messageStop, so message_delta (stop reason and the whole usage) and
 * message_stop wait until both are known; message_start therefore reports 0 input tokens and
 * message_delta the real counts, which the SDK takes as the final values.
 */
export class ConverseStreamToAnthropicEvents implements ConverseStreamHandler {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private readonly blocks = new Map<number, OpenBlock>();
  /** The block currently open (Anthropic blocks do not interleave). */
  private open: OpenBlock | undefined;
  private stopReason: string | undefined;
  private converseUsage: ConverseUsage | undefined;

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly usage: TokenUsage,
  ) {}

  event(type: string, payload: ConverseStreamPayload): string {
    if (this.finished) return "";
    switch (type) {
      case "messageStart":
        return this.start();
      case "contentBlockStart": {
        const toolUse = payload.start?.toolUse;
        if (toolUse === undefined) return this.start();
        return (
          this.start() +
          this.startBlock(payload.contentBlockIndex, "tool_use", {
            type: "tool_use",
            id: toolUse.toolUseId,
            name: toolUse.name,
            input: {},
          })
        );
      }
      case "contentBlockDelta":
        return this.start() + this.delta(payload);
      case "contentBlockStop":
        return this.start() + this.stopBlock(this.blocks.get(payload.contentBlockIndex ?? -1));
      case "messageStop":
        this.stopReason = mapBedrockStopReasonToAnthropic(payload.stopReason);
        return (
          this.start() + this.stopBlock(this.open) + (this.converseUsage === undefined ? "" : this.finish())
        );
      case "metadata":
        if (payload.usage === undefined) return "";
        this.converseUsage = payload.usage;
        convertConverseUsage(payload.usage, this.usage);
        return this.stopReason === undefined ? "" : this.finish();
      default:
        return "";
    }
  }

  failure(error: BedrockStreamException): string {
    return sse(
      "error",
      anthropicErrorBody(mapBedrockErrorToAnthropicType(error.type, error.status), error.message),
    );
  }

  end(): string {
    if (this.finished) return "";
    // A stream with messageStop but no metadata still ends properly, with zero counts.
    if (this.stopReason !== undefined) return this.finish();
    return this.failure(backendError("the AWS Bedrock stream ended before messageStop"));
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    const message = {
      id: this.id,
      type: "message",
      role: "assistant",
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return sse("message_start", JSON.stringify({ type: "message_start", message }));
  }

  private delta(payload: ConverseStreamPayload): string {
    const delta = payload.delta;
    if (delta === undefined) return "";
    const at = payload.contentBlockIndex;
    if (delta.text !== undefined) {
      return this.blockDelta(
        at,
        "text",
        { type: "text", text: "" },
        `{"type":"text_delta","text":${JSON.stringify(delta.text)}}`,
      );
    }
    if (delta.toolUse !== undefined) {
      const partial = JSON.stringify(delta.toolUse.input ?? "");
      return this.blockDelta(
        at,
        "tool_use",
        { type: "tool_use", id: "", name: "", input: {} },
        `{"type":"input_json_delta","partial_json":${partial}}`,
      );
    }
    const reasoning = delta.reasoningContent;
    if (reasoning === undefined) return "";
    const thinkingStart = { type: "thinking", thinking: "", signature: "" };
    if (reasoning.text !== undefined) {
      return this.blockDelta(
        at,
        "thinking",
        thinkingStart,
        `{"type":"thinking_delta","thinking":${JSON.stringify(reasoning.text)}}`,
      );
    }
    if (reasoning.signature !== undefined) {
      return this.blockDelta(
        at,
        "thinking",
        thinkingStart,
        `{"type":"signature_delta","signature":${JSON.stringify(reasoning.signature)}}`,
      );
    }
    if (reasoning.redactedContent !== undefined && !this.blocks.has(at ?? -1)) {
      // Anthropic sends redacted thinking whole, in content_block_start; there is no delta for it.
      return this.startBlock(at, "redacted_thinking", {
        type: "redacted_thinking",
        data: redactedData(reasoning.redactedContent),
      });
    }
    return "";
  }

  /** A delta for Converse block `at`, starting the Anthropic block first if this is its first delta. */
  private blockDelta(at: number | undefined, kind: BlockKind, startBlock: object, deltaJson: string): string {
    let out = "";
    let block = this.blocks.get(at ?? -1);
    if (block === undefined || block !== this.open) {
      out = this.startBlock(at, kind, startBlock);
      block = this.open as OpenBlock;
    }
    return `${out}${sse("content_block_delta", `{"type":"content_block_delta","index":${block.index},"delta":${deltaJson}}`)}`;
  }

  private startBlock(at: number | undefined, kind: BlockKind, contentBlock: object): string {
    const out = this.stopBlock(this.open);
    const block: OpenBlock = { index: this.nextIndex++, kind };
    this.blocks.set(at ?? -1, block);
    this.open = block;
    return `${out}${sse("content_block_start", JSON.stringify({ type: "content_block_start", index: block.index, content_block: contentBlock }))}`;
  }

  private stopBlock(block: OpenBlock | undefined): string {
    if (block === undefined || block !== this.open) return "";
    this.open = undefined;
    return sse("content_block_stop", `{"type":"content_block_stop","index":${block.index}}`);
  }

  private finish(): string {
    this.finished = true;
    const messageDelta = {
      type: "message_delta",
      delta: { stop_reason: this.stopReason, stop_sequence: null },
      usage: anthropicUsageJson(this.converseUsage ?? {}),
    };
    return (
      sse("message_delta", JSON.stringify(messageDelta)) + sse("message_stop", '{"type":"message_stop"}')
    );
  }
}

function sse(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}
