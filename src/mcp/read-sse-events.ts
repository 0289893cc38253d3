import type { Readable } from "node:stream";
import { type SseEvent, SseReader } from "../util/sse-reader.js";

/** How long a backend's SSE body may stay open after the awaited response before it is cut. */
const DRAIN_MS = 1_000;

/**
 * Hands each SSE event of a backend's body to `onEvent` until it returns true (the event it
 * awaited: the response), then lets the rest of the body drain rather than destroying it: a body
 * destroyed part way costs undici its keep-alive connection, and the next request to that backend a
 * new one (the SDK servers end the stream right after the response). A body still open `drainMs`
 * later is cut. Resolves true when `onEvent` took an event, false when the body ended first; rejects
 * when the body fails before that.
 */
export function readSseEvents(
  body: Readable,
  onEvent: (event: SseEvent) => boolean,
  drainMs = DRAIN_MS,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const reader = new SseReader();
    let taken = false;
    body.on("data", (chunk: Buffer) => {
      if (taken) return;
      for (const event of reader.push(chunk)) {
        if (!onEvent(event)) continue;
        taken = true;
        resolve(true);
        const timer = setTimeout(() => body.destroy(), drainMs);
        timer.unref();
        body.once("close", () => clearTimeout(timer));
        return;
      }
    });
    body.once("end", () => {
      if (!taken) resolve(false);
    });
    // After the response, a failure of the rest (the cut, a reset) concerns no one.
    body.on("error", (err) => {
      if (!taken) reject(err);
    });
  });
}
