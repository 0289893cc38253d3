import * as assert from "node:assert/strict";
import { test } from "node:test";
import { AnthropicStreamWriter } from "../../src/api/anthropic-stream-writer.js";

/** [event name, index] per SSE event of `sse`; every event must carry an `event:` line. */
function indices(sse: string): [string, number | undefined][] {
  return sse
    .split("\n\n")
    .filter((raw) => raw !== "")
    .map((raw) => {
      const match = /^event: (\S+)\ndata: (.*)$/s.exec(raw);
      assert.ok(match, `malformed SSE event: ${JSON.stringify(raw)}`);
      const data = JSON.parse(match[2] as string) as { type: string; index?: number };
      assert.equal(data.type, match[1]);
      return [data.type, data.index];
    });
}

test("a small text stream, byte for byte", () => {
  const writer = new AnthropicStreamWriter();
  const sse =
    writer.startMessage("msg_1", "claude") +
    writer.startText() +
    writer.textDelta('Say "hi"\n') +
    writer.stopBlock() +
    writer.finish("end_turn", { input_tokens: 3, output_tokens: 2 });
  assert.equal(
    sse,
    "event: message_start\n" +
      'data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}\n\n' +
      "event: content_block_start\n" +
      'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
      "event: content_block_delta\n" +
      'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Say \\"hi\\"\\n"}}\n\n' +
      "event: content_block_stop\n" +
      'data: {"type":"content_block_stop","index":0}\n\n' +
      "event: message_delta\n" +
      'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":3,"output_tokens":2}}\n\n' +
      "event: message_stop\n" +
      'data: {"type":"message_stop"}\n\n',
  );
  assert.equal(writer.finished, true);
});

test("message_start is written once", () => {
  const writer = new AnthropicStreamWriter();
  assert.notEqual(writer.startMessage("msg_1", "claude"), "");
  assert.equal(writer.startMessage("msg_1", "claude"), "");
});

test("text -> tool_use -> text: each start closes the open block, indices count up", () => {
  const writer = new AnthropicStreamWriter();
  const sse =
    writer.startText() +
    writer.textDelta("Let me check.") +
    writer.startToolUse("toolu_1", "get_weather") +
    writer.inputJsonDelta('{"city":') +
    writer.inputJsonDelta('"Paris"}') +
    writer.startText() +
    writer.textDelta("Done.");
  assert.deepEqual(indices(sse), [
    ["content_block_start", 0],
    ["content_block_delta", 0],
    ["content_block_stop", 0],
    ["content_block_start", 1],
    ["content_block_delta", 1],
    ["content_block_delta", 1],
    ["content_block_stop", 1],
    ["content_block_start", 2],
    ["content_block_delta", 2],
  ]);
  assert.ok(
    sse.includes(
      'data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}\n\n',
    ),
  );
  assert.ok(
    sse.includes(
      'data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}\n\n',
    ),
  );
  assert.equal(writer.lastIndex, 2);
  assert.equal(writer.openKind, "text");
  assert.equal(writer.isOpen(2), true);
  assert.equal(writer.isOpen(1), false);
});

test("finish closes the open block before message_delta", () => {
  const writer = new AnthropicStreamWriter();
  writer.startThinking();
  const sse = writer.finish("max_tokens", { output_tokens: 7 });
  assert.deepEqual(indices(sse), [
    ["content_block_stop", 0],
    ["message_delta", undefined],
    ["message_stop", undefined],
  ]);
  assert.equal(writer.openKind, undefined);
  assert.equal(writer.stopBlock(), "", "nothing is left open to stop");
});

test("thinking, signature and redacted thinking blocks", () => {
  const writer = new AnthropicStreamWriter();
  const sse =
    writer.startThinking() +
    writer.thinkingDelta("2+2") +
    writer.signatureDelta("EqoB") +
    writer.startRedactedThinking("opaque");
  assert.equal(
    sse,
    "event: content_block_start\n" +
      'data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}\n\n' +
      "event: content_block_delta\n" +
      'data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"2+2"}}\n\n' +
      "event: content_block_delta\n" +
      'data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqoB"}}\n\n' +
      "event: content_block_stop\n" +
      'data: {"type":"content_block_stop","index":0}\n\n' +
      "event: content_block_start\n" +
      'data: {"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"opaque"}}\n\n',
  );
});

test("tool input may go to an earlier tool_use block by its index", () => {
  const writer = new AnthropicStreamWriter();
  writer.startToolUse("call_a", "f");
  writer.startToolUse("call_b", "g");
  assert.deepEqual(indices(writer.inputJsonDelta("{}", 0)), [["content_block_delta", 0]]);
});

test("an error event carries Anthropic's error envelope", () => {
  assert.equal(
    new AnthropicStreamWriter().error("overloaded_error", "try later"),
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"try later"}}\n\n',
  );
});
