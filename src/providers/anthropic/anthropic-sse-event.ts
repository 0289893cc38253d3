/**
 * One event of a Messages stream as Anthropic writes it. The `event:` line is not optional: the
 * Anthropic SDKs drop events that lack it, so a translated stream without it looks empty.
 */
export function anthropicSseEvent(type: string, json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`;
}
