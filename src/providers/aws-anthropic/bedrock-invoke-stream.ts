import { anthropicErrorBody } from "../../api/anthropic-error.js";
import type { AnthropicStreamEvent } from "../anthropic/anthropic-wire-types.js";
import { AwsEventStreamDecoder } from "../aws/aws-event-stream-decoder.js";
import { mapBedrockErrorToAnthropicType } from "../aws/map-bedrock-error-to-anthropic-type.js";
import { readBedrockStreamException } from "../aws/read-bedrock-stream-exception.js";

/** An Anthropic stream event and its JSON text, to parse once and relay unchanged. */
export interface InvokeStreamEvent {
  event: AnthropicStreamEvent;
  json: string;
}

/**
 * The Anthropic events inside an InvokeModelWithResponseStream answer. Each event-stream frame of
 * type `chunk` has the payload `{"bytes":"<base64 of the Anthropic event JSON>"}` (plus random
 * padding in "p"); Bedrock sends no ping events, and its message_stop carries
 * `amazon-bedrock-invocationMetrics`, which the gateway leaves in place. Exception frames (throttling,
 * model errors) become Anthropic `error` events.
 */
export class BedrockInvokeStream {
  private readonly decoder = new AwsEventStreamDecoder();

  push(chunk: Buffer): InvokeStreamEvent[] {
    const out: InvokeStreamEvent[] = [];
    for (const frame of this.decoder.push(chunk)) {
      if (frame.messageType !== "event") {
        const exception = readBedrockStreamException(frame);
        const error = {
          type: mapBedrockErrorToAnthropicType(exception.type, exception.status),
          message: exception.message,
        };
        out.push({ event: { type: "error", error }, json: anthropicErrorBody(error.type, error.message) });
        continue;
      }
      if (frame.eventType !== "chunk") continue;
      const decoded = decodeChunk(frame.payload);
      if (decoded) out.push(decoded);
    }
    return out;
  }
}

function decodeChunk(payload: Uint8Array): InvokeStreamEvent | undefined {
  try {
    const wrapper = JSON.parse(
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"),
    ) as {
      bytes?: unknown;
    };
    if (typeof wrapper.bytes !== "string") return undefined;
    const json = Buffer.from(wrapper.bytes, "base64").toString("utf8");
    const event = JSON.parse(json) as AnthropicStreamEvent;
    if (typeof event !== "object" || event === null || typeof event.type !== "string") return undefined;
    return { event, json };
  } catch {
    return undefined;
  }
}
