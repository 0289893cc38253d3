import { anthropicErrorBody } from "../../api/anthropic-error.js";
import type { AnthropicStreamEvent } from "../anthropic/anthropic-wire-types.js";
import { AwsEventStreamDecoder } from "../aws/aws-event-stream-decoder.js";
import { mapBedrockErrorToAnthropicType } from "../aws/map-bedrock-error-to-anthropic-type.js";
import { readBedrockStreamException } from "../aws/read-bedrock-stream-exception.js";
import { refuseDeepAnswer } from "../json-depth-limit.js";
import { UpstreamProtocolError } from "../translator.js";

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
 * model errors) become Anthropic `error` events. Frames that hold no Anthropic event are skipped, but
 * a stream in which none did, a corrupt frame, an event nested too deeply or a stream cut in the
 * middle of a frame is not what Bedrock sends: UpstreamProtocolError.
 */
export class BedrockInvokeStream {
  private readonly decoder = new AwsEventStreamDecoder();
  /** Events (and exceptions) found so far. */
  private found = 0;

  push(chunk: Buffer): InvokeStreamEvent[] {
    let frames: ReturnType<AwsEventStreamDecoder["push"]>;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      throw new UpstreamProtocolError(`corrupt AWS event stream from AWS Bedrock: ${(err as Error).message}`);
    }
    const out: InvokeStreamEvent[] = [];
    for (const frame of frames) {
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
    this.found += out.length;
    return out;
  }

  /** The upstream ended: throws UpstreamProtocolError unless the stream held an event and ended cleanly. */
  end(): void {
    if (this.decoder.hasPartialFrame) {
      throw new UpstreamProtocolError("the AWS Bedrock stream ended in the middle of an event");
    }
    if (this.found === 0) {
      throw new UpstreamProtocolError("the AWS Bedrock stream ended without any Anthropic event");
    }
  }
}

function decodeChunk(payload: Uint8Array): InvokeStreamEvent | undefined {
  let json: string;
  try {
    const wrapper = JSON.parse(
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"),
    ) as { bytes?: unknown } | null;
    if (typeof wrapper?.bytes !== "string") return undefined;
    json = Buffer.from(wrapper.bytes, "base64").toString("utf8");
  } catch {
    return undefined;
  }
  refuseDeepAnswer(json, "an AWS Bedrock stream event");
  let event: AnthropicStreamEvent;
  try {
    event = JSON.parse(json) as AnthropicStreamEvent;
  } catch {
    return undefined;
  }
  if (typeof event !== "object" || event === null || typeof event.type !== "string") return undefined;
  return { event, json };
}
