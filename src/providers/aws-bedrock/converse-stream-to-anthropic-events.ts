import { AnthropicStreamWriter } from "../../api/anthropic-stream-writer.js";
import type { TokenUsage } from "../../usage/token-usage.js";
import { mapBedrockErrorToAnthropicType } from "../aws/map-bedrock-error-to-anthropic-type.js";
import type { BedrockStreamException } from "../aws/read-bedrock-stream-exception.js";
import { backendError, type ConverseStreamHandler } from "./converse-stream-reader.js";
import type { ConverseStreamPayload, ConverseUsage } from "./converse-types.js";
import { anthropicUsageJson, redactedData } from "./convert-converse-to-anthropic-response.js";
import { convertConverseUsage } from "./convert-converse-usage.js";
import { mapBedrockStopReasonToAnthropic } from "./map-bedrock-stop-reason.js";

/**
 * ConverseStream events as an Anthropic Messages stream. Converse announces only tool blocks with
 * contentBlockStart; text and reasoning blocks start with their first delta, which decides their
 * type. Usage arrives in `metadata`, usually after messageStop, so message_delta (stop reason and
 * the whole usage) and message_stop wait until both are known. Members a broken upstream sends as
 * null are read as absent.
 */
export class ConverseStreamToAnthropicEvents implements ConverseStreamHandler {
  private readonly writer = new AnthropicStreamWriter();
  /** Converse contentBlockIndex -> the index of the Anthropic block it last started. */
  private readonly blocks = new Map<number, number>();
  private stopReason: string | undefined;
  private converseUsage: ConverseUsage | undefined;

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly usage: TokenUsage,
  ) {}

  event(type: string, payload: ConverseStreamPayload): string {
    if (this.writer.finished) return "";
    switch (type) {
      case "messageStart":
        return this.start();
      case "contentBlockStart": {
        const toolUse = payload.start?.toolUse;
        if (toolUse == null) return this.start();
        return (
          this.start() +
          this.track(payload.contentBlockIndex, this.writer.startToolUse(toolUse.toolUseId, toolUse.name))
        );
      }
      case "contentBlockDelta":
        return this.start() + this.delta(payload);
      case "contentBlockStop":
        return (
          this.start() +
          (this.writer.isOpen(this.blocks.get(payload.contentBlockIndex ?? -1))
            ? this.writer.stopBlock()
            : "")
        );
      case "messageStop": {
        const stopReason = mapBedrockStopReasonToAnthropic(payload.stopReason);
        this.stopReason = stopReason;
        return (
          this.start() +
          this.writer.stopBlock() +
          (this.converseUsage === undefined ? "" : this.finish(stopReason))
        );
      }
      case "metadata":
        if (payload.usage == null) return "";
        this.converseUsage = payload.usage;
        convertConverseUsage(payload.usage, this.usage);
        return this.stopReason === undefined ? "" : this.finish(this.stopReason);
      default:
        return "";
    }
  }

  failure(error: BedrockStreamException): string {
    return this.writer.error(mapBedrockErrorToAnthropicType(error.type, error.status), error.message);
  }

  end(): string {
    if (this.writer.finished) return "";
    // A stream with messageStop but no metadata still ends properly, with zero counts.
    if (this.stopReason !== undefined) return this.finish(this.stopReason);
    return this.failure(backendError("the AWS Bedrock stream ended before messageStop"));
  }

  private start(): string {
    return this.writer.startMessage(this.id, this.model);
  }

  private delta(payload: ConverseStreamPayload): string {
    const delta = payload.delta;
    if (delta == null) return "";
    const at = payload.contentBlockIndex;
    if (delta.text !== undefined) return this.openBlock(at, "text") + this.writer.textDelta(delta.text);
    if (delta.toolUse != null) {
      return this.openBlock(at, "tool_use") + this.writer.inputJsonDelta(delta.toolUse.input ?? "");
    }
    const reasoning = delta.reasoningContent;
    if (reasoning == null) return "";
    if (reasoning.text !== undefined) {
      return this.openBlock(at, "thinking") + this.writer.thinkingDelta(reasoning.text);
    }
    if (reasoning.signature !== undefined) {
      return this.openBlock(at, "thinking") + this.writer.signatureDelta(reasoning.signature);
    }
    if (typeof reasoning.redactedContent === "string" && !this.blocks.has(at ?? -1)) {
      return this.track(at, this.writer.startRedactedThinking(redactedData(reasoning.redactedContent)));
    }
    return "";
  }

  /** Starts the Anthropic block for Converse block `at` unless it is the open one. */
  private openBlock(at: number | undefined, kind: "text" | "thinking" | "tool_use"): string {
    if (this.writer.isOpen(this.blocks.get(at ?? -1))) return "";
    if (kind === "text") return this.track(at, this.writer.startText());
    if (kind === "thinking") return this.track(at, this.writer.startThinking());
    // A tool delta without contentBlockStart: its id and name never came.
    return this.track(at, this.writer.startToolUse("", ""));
  }

  /** Records the block whose events are `started` (just written) as Converse block `at`'s. */
  private track(at: number | undefined, started: string): string {
    this.blocks.set(at ?? -1, this.writer.lastIndex);
    return started;
  }

  private finish(stopReason: string): string {
    return this.writer.finish(stopReason, anthropicUsageJson(this.converseUsage ?? {}));
  }
}
