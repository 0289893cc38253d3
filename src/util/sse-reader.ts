/**
 * The one incremental reader of Server-Sent Events (text/event-stream) in the gateway. Network
 * chunks cut events, lines and even UTF-8 characters anywhere, so bytes of an unfinished line are
 * kept until its end arrives; only whole lines are decoded. Follows the WHATWG parsing rules: lines
 * end with "\n", "\r\n" or "\r"; ":" starts a comment; one space after the colon is dropped;
 * several `data:` lines join with "\n"; a blank line dispatches the event.
 */

export interface SseEvent {
  /** The `event:` field, undefined when the event had none (OpenAI streams never name events). */
  event: string | undefined;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The `id:` field, only when the event had one (MCP resumes streams with it: Last-Event-ID). */
  id?: string;
}

const LF = 0x0a;
const CR = 0x0d;

export class SseReader {
  /** Bytes of a line whose end has not arrived yet. */
  private pending: Buffer | undefined;
  /** The previous chunk ended in "\r": a "\n" starting the next one belongs to that line end. */
  private skipLeadingLF = false;
  private eventName: string | undefined;
  private eventId: string | undefined;
  private dataLines: string[] = [];
  private hasData = false;

  /** Feeds the next chunk; returns the events it completed, in order. */
  push(chunk: Buffer): SseEvent[] {
    const events: SseEvent[] = [];
    let data = chunk;
    let pos = 0;
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (data.length > 0 && data[0] === LF) pos = 1;
    }
    // Where to look for the next line end: the carried-over bytes are known to hold none.
    let scanFrom = pos;
    if (this.pending !== undefined) {
      scanFrom = this.pending.length;
      data = Buffer.concat([this.pending, data.subarray(pos)]);
      this.pending = undefined;
      pos = 0;
    }
    // "\r" is rare in practice: find it once and search again only after passing it, so a chunk
    // of many "\n"-terminated lines is scanned once, not once per line.
    let nextCR = data.indexOf(CR, scanFrom);
    while (pos < data.length) {
      if (nextCR !== -1 && nextCR < pos) nextCR = data.indexOf(CR, pos);
      const lf = data.indexOf(LF, Math.max(scanFrom, pos));
      const end = nextCR !== -1 && (lf === -1 || nextCR < lf) ? nextCR : lf;
      if (end === -1) break;
      this.line(data, pos, end, events);
      if (data[end] === CR) {
        if (end + 1 === data.length) {
          this.skipLeadingLF = true;
          pos = end + 1;
          continue;
        }
        pos = data[end + 1] === LF ? end + 2 : end + 1;
      } else {
        pos = end + 1;
      }
    }
    if (pos < data.length) {
      // Copy: the caller may reuse the chunk's memory once push() returns.
      this.pending = Buffer.from(data.subarray(pos));
    }
    return events;
  }

  /**
   * The stream ended: an event whose closing blank line never came is still delivered, as some
   * upstreams end the body right after the last `data:` line.
   */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.pending !== undefined) {
      const rest = this.pending;
      this.pending = undefined;
      this.line(rest, 0, rest.length, events);
    }
    this.dispatch(events);
    return events;
  }

  private line(buf: Buffer, start: number, end: number, events: SseEvent[]): void {
    if (start === end) {
      this.dispatch(events);
      return;
    }
    if (buf[start] === 0x3a /* ":" comment */) return;
    let colon = start;
    while (colon < end && buf[colon] !== 0x3a) colon++;
    let field: string;
    let value: string;
    if (colon === end) {
      field = buf.toString("latin1", start, end);
      value = "";
    } else {
      field = buf.toString("latin1", start, colon);
      const valueStart = buf[colon + 1] === 0x20 ? colon + 2 : colon + 1;
      value = buf.toString("utf8", valueStart, end);
    }
    if (field === "data") {
      this.dataLines.push(value);
      this.hasData = true;
    } else if (field === "event") {
      this.eventName = value;
    } else if (field === "id") {
      this.eventId = value;
    }
    // `retry` carries nothing a gateway acts on.
  }

  private dispatch(events: SseEvent[]): void {
    if (this.hasData) {
      const data = this.dataLines.length === 1 ? this.dataLines[0]! : this.dataLines.join("\n");
      const event: SseEvent = { event: this.eventName, data };
      if (this.eventId !== undefined) event.id = this.eventId;
      events.push(event);
    }
    this.eventName = undefined;
    this.eventId = undefined;
    this.dataLines = [];
    this.hasData = false;
  }
}
