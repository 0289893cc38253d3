import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/**
 * Incremental decoder of the AWS binary event stream (`application/vnd.amazon.eventstream`), the
 * framing of Bedrock's ConverseStream and InvokeModelWithResponseStream answers.
 *
 * A frame is: total length (u32 BE) | headers length (u32 BE) | prelude CRC | headers | payload |
 * message CRC. Network chunks cut frames anywhere, so bytes are buffered until a whole frame is
 * present; the codec then verifies both CRCs and parses the headers.
 */

export interface AwsStreamEvent {
  /** `:message-type`: "event", "exception" or "error". */
  messageType: string;
  /** `:event-type` of an event, e.g. "contentBlockDelta". */
  eventType?: string;
  /** `:exception-type` of an exception, e.g. "throttlingException". */
  exceptionType?: string;
  /** `:error-code` / `:error-message` of a message-type "error" frame (no payload is sent then). */
  errorCode?: string;
  errorMessage?: string;
  /** The payload bytes (JSON for Bedrock); a view into the received data, not a copy. */
  payload: Uint8Array;
}

/** The fixed frame overhead: prelude (8), prelude CRC (4) and message CRC (4). */
const FRAME_OVERHEAD = 16;
/** AWS caps an event stream message at 16 MiB; anything larger means the stream is corrupt. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** The codec keeps no state between decode() calls, so one instance serves every stream. */
const codec = new EventStreamCodec(toUtf8, fromUtf8);

export class AwsEventStreamDecoder {
  /** Bytes of an incomplete frame carried over from earlier chunks. */
  private pending: Buffer | undefined;

  /**
   * Feeds the next chunk; returns the frames it completed, in order. Throws when a frame is corrupt
   * (bad CRC, impossible length): the stream cannot be resynchronised after that.
   */
  push(chunk: Buffer): AwsStreamEvent[] {
    let data = chunk;
    if (this.pending !== undefined) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    const events: AwsStreamEvent[] = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const frameLength = data.readUInt32BE(offset);
      if (frameLength < FRAME_OVERHEAD || frameLength > MAX_FRAME_BYTES) {
        throw new Error(`corrupt AWS event stream: frame length ${frameLength}`);
      }
      if (data.length - offset < frameLength) break;
      const message = codec.decode(data.subarray(offset, offset + frameLength));
      events.push(toEvent(message.headers, message.body));
      offset += frameLength;
    }
    if (offset < data.length) {
      // Copy the tail: the caller may reuse the chunk's memory once push() returns.
      this.pending = Buffer.from(data.subarray(offset));
    }
    return events;
  }

  /** True when the stream ended in the middle of a frame (the upstream was cut off). */
  get hasPartialFrame(): boolean {
    return this.pending !== undefined;
  }
}

function toEvent(headers: MessageHeaders, payload: Uint8Array): AwsStreamEvent {
  const event: AwsStreamEvent = { messageType: stringHeader(headers, ":message-type") ?? "event", payload };
  const eventType = stringHeader(headers, ":event-type");
  if (eventType !== undefined) event.eventType = eventType;
  const exceptionType = stringHeader(headers, ":exception-type");
  if (exceptionType !== undefined) event.exceptionType = exceptionType;
  const errorCode = stringHeader(headers, ":error-code");
  if (errorCode !== undefined) event.errorCode = errorCode;
  const errorMessage = stringHeader(headers, ":error-message");
  if (errorMessage !== undefined) event.errorMessage = errorMessage;
  return event;
}

function stringHeader(headers: MessageHeaders, name: string): string | undefined {
  const h = headers[name];
  return h?.type === "string" ? h.value : undefined;
}
