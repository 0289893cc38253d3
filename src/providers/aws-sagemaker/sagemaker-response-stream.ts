import { openAIStreamErrorEvent } from "../../api/openai-error.js";
import { AwsEventStreamDecoder, type AwsStreamEvent } from "../aws/aws-event-stream-decoder.js";
import { type ResponseTranslator, UpstreamProtocolError } from "../translator.js";

/**
 * The client's OpenAI stream out of an InvokeEndpointWithResponseStream answer. SageMaker wraps what
 * the container writes in event-stream frames: each `PayloadPart` event's payload is a piece of the
 * container's own bytes (its `Bytes` member is the event payload, so the frame body is the raw bytes,
 * not JSON), cut wherever SageMaker cut them. The pieces, joined, are the container's OpenAI SSE, which
 * `inner` (the OpenAI passthrough) relays and counts usage from as if it came straight from the container.
 * Only whole SSE events are handed on (the tail after the last blank line waits for the next part),
 * so an error that ends the stream never lands inside half an event the client is still reading.
 * A `ModelStreamError` or `InternalStreamFailure` exception (or an error frame) ends the client's
 * stream with one OpenAI error event; a corrupt frame, a stream cut mid-frame or one without any
 * payload is UpstreamProtocolError.
 */
export class SageMakerResponseStream {
  private readonly decoder = new AwsEventStreamDecoder();
  private parts = 0;
  private failed = false;
  /** Container bytes after the last complete SSE event, waiting for the rest of that event. */
  private held: Buffer | undefined;

  constructor(private readonly inner: ResponseTranslator) {}

  chunk(chunk: Buffer): Buffer | undefined {
    if (this.failed) return undefined;
    let frames: AwsStreamEvent[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      throw new UpstreamProtocolError(`corrupt AWS event stream from SageMaker: ${(err as Error).message}`);
    }
    const out: Buffer[] = [];
    const parts: Buffer[] = [];
    for (const frame of frames) {
      if (frame.messageType !== "event") {
        this.relayWholeEvents(parts, out);
        out.push(Buffer.from(streamError(frame)));
        this.failed = true;
        this.held = undefined;
        return joined(out);
      }
      if (frame.eventType !== "PayloadPart") continue;
      this.parts++;
      parts.push(Buffer.from(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength));
    }
    this.relayWholeEvents(parts, out);
    return joined(out);
  }

  /** Hands `inner` the complete events among the held bytes and `parts`, keeping the tail. */
  private relayWholeEvents(parts: Buffer[], out: Buffer[]): void {
    if (parts.length === 0) return;
    if (this.held !== undefined) parts.unshift(this.held);
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const cut = afterLastEvent(bytes);
    // A copy: the payload views point into the decoder's buffer, which the next push may replace.
    this.held = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : undefined;
    if (cut === 0) return;
    const relayed = this.inner.chunk(bytes.subarray(0, cut));
    if (relayed !== undefined) out.push(Buffer.from(relayed));
  }

  end(): Buffer | string | undefined {
    if (this.failed) return undefined;
    if (this.decoder.hasPartialFrame) {
      throw new UpstreamProtocolError("the SageMaker stream ended in the middle of an event");
    }
    if (this.parts === 0)
      throw new UpstreamProtocolError("the SageMaker stream ended without any PayloadPart");
    // A last event the container did not close with a blank line is still relayed and read.
    const rest = this.held === undefined ? undefined : this.inner.chunk(this.held);
    this.held = undefined;
    const last = this.inner.end();
    if (rest === undefined) return last;
    return last === undefined ? rest : Buffer.concat([Buffer.from(rest), Buffer.from(last)]);
  }
}

/** The index just past the last blank line (`\n\n`, `\r\n\r\n` or `\r\r`) in `bytes`; 0 when none. */
function afterLastEvent(bytes: Buffer): number {
  return Math.max(end(bytes, "\n\n"), end(bytes, "\r\n\r\n"), end(bytes, "\r\r"));
}

function end(bytes: Buffer, separator: string): number {
  const at = bytes.lastIndexOf(separator);
  return at === -1 ? 0 : at + separator.length;
}

function joined(out: Buffer[]): Buffer | undefined {
  return out.length === 0 ? undefined : out.length === 1 ? out[0] : Buffer.concat(out);
}

/** An exception or error frame as the OpenAI stream's closing error event. */
function streamError(frame: AwsStreamEvent): string {
  if (frame.messageType === "error") {
    return openAIStreamErrorEvent(500, frame.errorCode ?? "InternalStreamFailure", frame.errorMessage ?? "");
  }
  const type = frame.exceptionType ?? "InternalStreamFailure";
  let message = "";
  try {
    const payload = JSON.parse(Buffer.from(frame.payload).toString("utf8")) as {
      Message?: unknown;
      message?: unknown;
      ErrorCode?: unknown;
    };
    const text = payload.Message ?? payload.message;
    if (typeof text === "string") message = text;
    if (typeof payload.ErrorCode === "string") message = `${payload.ErrorCode}: ${message}`;
  } catch {
    // An exception without a JSON payload still ends the stream, with its type alone.
  }
  // ModelStreamError is the container failing mid-answer (424 as its ModelError); anything else is SageMaker's.
  return openAIStreamErrorEvent(type === "ModelStreamError" ? 424 : 500, type, message);
}
