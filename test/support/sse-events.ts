/**
 * A deliberately naive SSE splitter for tests, independent of the gateway's own reader so that it can
 * serve as the oracle. The recorded OpenAI streams separate events with "\n\n" only.
 */

/** Splits an SSE body into events, each keeping its "\n\n" terminator: joining them gives the body back. */
export function splitSseEvents(body: string): string[] {
  const events: string[] = [];
  let start = 0;
  for (;;) {
    const end = body.indexOf("\n\n", start);
    if (end < 0) break;
    events.push(body.slice(start, end + 2));
    start = end + 2;
  }
  if (start < body.length) events.push(body.slice(start));
  return events;
}

/** The `data:` payloads of an SSE body in order (one per event; multi-line data joined with "\n"). */
export function sseDataPayloads(body: string): string[] {
  const payloads: string[] = [];
  for (const event of splitSseEvents(body)) {
    const data = event
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""));
    if (data.length > 0) payloads.push(data.join("\n"));
  }
  return payloads;
}

/** The JSON objects of an SSE body, skipping the "[DONE]" sentinel. */
export function sseJsonChunks(body: string): Record<string, unknown>[] {
  return sseDataPayloads(body)
    .filter((payload) => payload !== "[DONE]")
    .map((payload) => JSON.parse(payload) as Record<string, unknown>);
}
