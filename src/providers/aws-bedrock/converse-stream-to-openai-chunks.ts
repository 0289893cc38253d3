import { openAIErrorBody } from "../../api/openai-error.js";
import type { TokenUsage } from "../../usage/token-usage.js";
import type { BedrockStreamException } from "../aws/read-bedrock-stream-exception.js";
import type { ConverseStreamHandler } from "./converse-stream-reader.js";
import { backendError } from "./converse-stream-reader.js";
import type { ConverseStreamPayload, ConverseUsage } from "./converse-types.js";
import { convertConverseUsage, openAIUsageJson } from "./convert-converse-usage.js";
import { mapBedrockStopReasonToOpenAI } from "./map-bedrock-stop-reason.js";

/**
 * ConverseStream events as OpenAI `chat.completion.chunk` SSE lines:
 * messageStart -> role delta; contentBlockStart(toolUse) -> a tool call with id and name;
 * contentBlockDelta -> content / tool call arguments / reasoning_content; messageStop -> finish_reason;
 * metadata -> a final usage chunk (choices: []), then `data: [DONE]`.
 * Real streams may omit messageStart and may send metadata before messageStop; the usage chunk is
 * always written after the finish_reason chunk. Members a broken upstream sends as null are read as
 * absent.
 */
export class ConverseStreamToOpenAIChunks implements ConverseStreamHandler {
  /** `data: {...,"choices":[{"index":0,"delta":` — everything before the delta, built once. */
  private readonly choicePrefix: string;
  /** `data: {...,"choices":[],"usage":` */
  private readonly usagePrefix: string;
  private roleSent = false;
  private finished = false;
  private pendingUsage: ConverseUsage | undefined;
  /** Converse content block index -> OpenAI tool call index (0, 1, ... in order of appearance). */
  private readonly toolIndexByBlock = new Map<number, number>();

  constructor(
    id: string,
    created: number,
    model: string,
    private readonly usage: TokenUsage,
  ) {
    const head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`;
    this.choicePrefix = `${head}[{"index":0,"delta":`;
    this.usagePrefix = `${head}[],"usage":`;
  }

  event(type: string, payload: ConverseStreamPayload): string {
    switch (type) {
      case "messageStart":
        return this.role();
      case "contentBlockStart": {
        const toolUse = payload.start?.toolUse;
        if (toolUse == null) return "";
        const index = this.toolIndex(payload.contentBlockIndex);
        return `${this.role()}${this.delta(
          `{"tool_calls":[{"index":${index},"id":${JSON.stringify(toolUse.toolUseId)},"type":"function","function":{"name":${JSON.stringify(toolUse.name)},"arguments":""}}]}`,
        )}`;
      }
      case "contentBlockDelta":
        return this.contentDelta(payload);
      case "messageStop": {
        this.finished = true;
        const finish = `${this.role()}${this.choicePrefix}{},"logprobs":null,"finish_reason":"${mapBedrockStopReasonToOpenAI(payload.stopReason)}"}]}\n\n`;
        return finish + this.flushUsage();
      }
      case "metadata":
        if (payload.usage == null) return "";
        // Count now: a later failure must not lose tokens the upstream already billed.
        convertConverseUsage(payload.usage, this.usage);
        this.pendingUsage = payload.usage;
        return this.finished ? this.flushUsage() : "";
      default:
        return "";
    }
  }

  failure(error: BedrockStreamException): string {
    return `data: ${openAIErrorBody(error.status, error.type, error.message)}\n\n`;
  }

  end(): string {
    if (!this.finished) return this.failure(backendError("the AWS Bedrock stream ended before messageStop"));
    return `${this.flushUsage()}data: [DONE]\n\n`;
  }

  private contentDelta(payload: ConverseStreamPayload): string {
    const delta = payload.delta;
    if (delta == null) return "";
    if (delta.text !== undefined)
      return `${this.role()}${this.delta(`{"content":${JSON.stringify(delta.text)}}`)}`;
    if (delta.toolUse != null) {
      const index = this.toolIndex(payload.contentBlockIndex);
      const args = JSON.stringify(delta.toolUse.input ?? "");
      return `${this.role()}${this.delta(`{"tool_calls":[{"index":${index},"function":{"arguments":${args}}}]}`)}`;
    }
    const reasoning = delta.reasoningContent;
    if (reasoning == null) return "";
    // reasoning_content stays a plain string (the DeepSeek/vLLM convention clients parse); signatures
    // and redacted reasoning, which a string cannot carry, go to thinking_blocks (LiteLLM convention).
    if (reasoning.text !== undefined) {
      return `${this.role()}${this.delta(`{"reasoning_content":${JSON.stringify(reasoning.text)}}`)}`;
    }
    if (reasoning.signature !== undefined) {
      return `${this.role()}${this.delta(`{"thinking_blocks":[{"type":"thinking","signature":${JSON.stringify(reasoning.signature)}}]}`)}`;
    }
    if (reasoning.redactedContent !== undefined) {
      return `${this.role()}${this.delta(`{"thinking_blocks":[{"type":"redacted_thinking","data":${JSON.stringify(reasoning.redactedContent)}}]}`)}`;
    }
    return "";
  }

  private delta(deltaJson: string): string {
    return `${this.choicePrefix}${deltaJson},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** The role delta, once, before anything else (a stream without messageStart still gets it). */
  private role(): string {
    if (this.roleSent) return "";
    this.roleSent = true;
    return this.delta(`{"role":"assistant","content":""}`);
  }

  private toolIndex(block: number | undefined): number {
    const key = block ?? -1;
    let index = this.toolIndexByBlock.get(key);
    if (index === undefined) {
      index = this.toolIndexByBlock.size;
      this.toolIndexByBlock.set(key, index);
    }
    return index;
  }

  private flushUsage(): string {
    const converse = this.pendingUsage;
    if (converse === undefined) return "";
    this.pendingUsage = undefined;
    return `${this.usagePrefix}${JSON.stringify(openAIUsageJson(this.usage, converse))}}\n\n`;
  }
}
