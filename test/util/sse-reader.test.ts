import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SseEvent, SseReader } from "../../src/util/sse-reader.js";

/** Feeds `text` to a fresh reader cut into pieces of `size` bytes; returns every event. */
function readInPieces(text: string, size: number): SseEvent[] {
  const bytes = Buffer.from(text, "utf8");
  const reader = new SseReader();
  const events: SseEvent[] = [];
  for (let i = 0; i < bytes.length; i += size) events.push(...reader.push(bytes.subarray(i, i + size)));
  events.push(...reader.end());
  return events;
}

const anthropicStream =
  'event: message_start\ndata: {"type":"message_start"}\n\n' +
  "event: ping\ndata: {}\n\n" +
  ': keep-alive comment\n\nevent: content_block_delta\ndata: {"text":"héllo ✓ 🚀"}\n\n';

describe("SseReader", () => {
  it("reads named events and comments, whatever the chunk size (incl. cuts inside UTF-8)", () => {
    const expected: SseEvent[] = [
      { event: "message_start", data: '{"type":"message_start"}' },
      { event: "ping", data: "{}" },
      { event: "content_block_delta", data: '{"text":"héllo ✓ 🚀"}' },
    ];
    for (const size of [1, 2, 3, 5, 7, 64, 10_000]) {
      assert.deepEqual(readInPieces(anthropicStream, size), expected, `piece size ${size}`);
    }
  });

  it("accepts \\r\\n and \\r line ends, also when \\r\\n is cut between chunks", () => {
    const crlf = anthropicStream.replaceAll("\n", "\r\n");
    const cr = anthropicStream.replaceAll("\n", "\r");
    for (const size of [1, 2, 4, 9, 10_000]) {
      assert.equal(readInPieces(crlf, size).length, 3, `crlf piece size ${size}`);
      assert.deepEqual(readInPieces(cr, size), readInPieces(anthropicStream, size), `cr piece size ${size}`);
    }
  });

  it("reads unnamed OpenAI events and joins multi-line data with \\n", () => {
    const events = readInPieces('data: {"a":1}\n\ndata:x\ndata: y\n\ndata: [DONE]\n\n', 3);
    assert.deepEqual(events, [
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: "x\ny" },
      { event: undefined, data: "[DONE]" },
    ]);
  });

  it("delivers a last event that lacks its closing blank line only at end()", () => {
    const reader = new SseReader();
    assert.deepEqual(reader.push(Buffer.from('data: {"a":1}\n\ndata: {"b":2}')), [
      { event: undefined, data: '{"a":1}' },
    ]);
    assert.deepEqual(reader.end(), [{ event: undefined, data: '{"b":2}' }]);
  });

  it("drops events without data and resets the name at each blank line", () => {
    assert.deepEqual(readInPieces("event: lonely\n\ndata: z\n\n", 4), [{ event: undefined, data: "z" }]);
  });

  it("carries an event's id (MCP resumes with it), only on the event that had one", () => {
    assert.deepEqual(readInPieces("id: 7\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n", 3), [
      { event: undefined, data: "a", id: "7" },
      { event: undefined, data: "b" },
      { event: undefined, data: "c", id: "" },
    ]);
  });
});
