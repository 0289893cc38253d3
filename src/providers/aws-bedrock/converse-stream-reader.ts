import { exceedsJsonDepth } from "../../util/json-depth.js";
import { AwsEventStreamDecoder } from "../aws/aws-event-stream-decoder.js";
import { AWS_BEDROCK_BACKEND_ERROR } from "../aws/read-bedrock-error.js";
import {
  type BedrockStreamException,
  readBedrockStreamException,
} from "../aws/read-bedrock-stream-exception.js";
import { MAX_JSON_DEPTH } from "../json-depth-limit.js";
import type { ConverseStreamPayload } from "./converse-types.js";

/** What a ConverseStream translator reacts to. */
export interface ConverseStreamHandler {
  /** One event, e.g. ("contentBlockDelta", {...}); returns client bytes (may be ""). */
  event(type: string, payload: ConverseStreamPayload): string;
  /** A terminal failure: the client is told, and nothing more is written. */
  failure(error: BedrockStreamException): string;
  /** The upstream ended cleanly; returns the trailing client bytes. */
  end(): string;
}

/**
 * Turns ConverseStream bytes into handler calls: decodes event stream frames, parses their JSON
 * payloads and routes exceptions (in-stream exceptions, corrupt frames, payloads that are not JSON
 * objects or nest too deeply to rewrite, a stream cut mid-frame) to `failure` exactly once, after
 * which further bytes are ignored: the client gets the stream's error event.
 */
export class ConverseStreamReader {
  private readonly decoder = new AwsEventStreamDecoder();
  private failed = false;

  constructor(private readonly handler: ConverseStreamHandler) {}

  chunk(chunk: Buffer): string {
    if (this.failed) return "";
    let out = "";
    let events: ReturnType<AwsEventStreamDecoder["push"]>;
    try {
      events = this.decoder.push(chunk);
    } catch (err) {
      return this.fail(backendError(`corrupt AWS event stream from the upstream: ${(err as Error).message}`));
    }
    for (const event of events) {
      if (event.messageType !== "event") return out + this.fail(readBedrockStreamException(event));
      if (exceedsJsonDepth(event.payload, MAX_JSON_DEPTH)) {
        return (
          out +
          this.fail(
            backendError(`${event.eventType ?? "event"} payload from the upstream nests JSON too deeply`),
          )
        );
      }
      let payload: ConverseStreamPayload;
      try {
        payload = JSON.parse(
          Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength).toString(
            "utf8",
          ),
        );
        if (typeof payload !== "object" || payload === null) throw new TypeError("not an object");
      } catch {
        return (
          out + this.fail(backendError(`unreadable ${event.eventType ?? "event"} payload from the upstream`))
        );
      }
      out += this.handler.event(event.eventType ?? "", payload);
    }
    return out;
  }

  end(): string {
    if (this.failed) return "";
    if (this.decoder.hasPartialFrame)
      return this.fail(backendError("the upstream stream ended in the middle of an event"));
    return this.handler.end();
  }

  private fail(error: BedrockStreamException): string {
    this.failed = true;
    return this.handler.failure(error);
  }
}

export function backendError(message: string): BedrockStreamException {
  return { status: 502, type: AWS_BEDROCK_BACKEND_ERROR, message };
}
