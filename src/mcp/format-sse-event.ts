/** One SSE event: `id:` when given, the data with every line its own `data:` line, a blank line. */
export function formatSseEvent(data: string, id?: string): string {
  const body = data.includes("\n") ? data.replaceAll("\n", "\ndata: ") : data;
  return id === undefined ? `data: ${body}\n\n` : `id: ${id}\ndata: ${body}\n\n`;
}

/** The headers of every SSE answer: never cached, never buffered by a proxy (the spec's advice). */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
});
