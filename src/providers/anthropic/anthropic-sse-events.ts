import { SseReader } from "../../util/sse-reader.js";
import { refuseDeepAnswer } from "../json-depth-limit.js";
import type { AnthropicStreamEvent } from "./anthropic-wire-types.js";

/**
 * Parsed events of an Anthropic Messages SSE stream, chunk by chunk. `wanted` names the events
 * worth parsing (by their `event:` line): a reader that only counts usage skips the JSON of the
 * many content deltas. Events whose data is not JSON are skipped: a stream may carry things a
 * newer API version added, and the gateway must not fail on them. An event nested too deeply to
 * rewrite safely is UpstreamProtocolError.
 */
export class AnthropicSseEvents {
  private readonly reader = new SseReader();

  constructor(private readonly wanted?: ReadonlySet<string>) {}

  push(chunk: Buffer): AnthropicStreamEvent[] {
    return this.parse(this.reader.push(chunk));
  }

  end(): AnthropicStreamEvent[] {
    return this.parse(this.reader.end());
  }

  private parse(events: { event: string | undefined; data: string }[]): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = [];
    for (const { event, data } of events) {
      if (this.wanted !== undefined && event !== undefined && !this.wanted.has(event)) continue;
      refuseDeepAnswer(data, "an upstream stream event");
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        continue;
      }
      if (
        typeof parsed === "object" &&
        parsed !== null &&
        typeof (parsed as { type?: unknown }).type === "string"
      ) {
        out.push(parsed as AnthropicStreamEvent);
      }
    }
    return out;
  }
}
