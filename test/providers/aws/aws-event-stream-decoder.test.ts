import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  AwsEventStreamDecoder,
  type AwsStreamEvent,
} from "../../../src/providers/aws/aws-event-stream-decoder.js";
import { encodeAwsError, encodeAwsEvent, encodeAwsException } from "../../support/encode-aws-event.js";

// A ConverseStream answer as Bedrock frames it, including the random "p" padding field.
const frames = [
  encodeAwsEvent("messageStart", { p: "abcdefghijklmnopq", role: "assistant" }),
  encodeAwsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hello" }, p: "abcd" }),
  encodeAwsEvent("contentBlockStop", { contentBlockIndex: 0, p: "abcdefghijklmnopqrstuvw" }),
  encodeAwsEvent("messageStop", { p: "abcdefghijklmnopqrstu", stopReason: "end_turn" }),
  encodeAwsEvent("metadata", {
    metrics: { latencyMs: 312 },
    p: "abc",
    usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 },
  }),
];
const whole = Buffer.concat(frames);

function summarise(events: AwsStreamEvent[]): string[] {
  return events.map(
    (e) => `${e.messageType}:${e.eventType ?? e.exceptionType}:${Buffer.from(e.payload).toString()}`,
  );
}

const expected = summarise(new AwsEventStreamDecoder().push(whole));

test("decodes several frames delivered in one chunk", () => {
  assert.equal(expected.length, 5);
  assert.equal(expected[0], 'event:messageStart:{"p":"abcdefghijklmnopq","role":"assistant"}');
  assert.equal(expected[4]?.startsWith("event:metadata:{"), true);
});

test("decodes the same events whatever single byte boundary the stream is split at", () => {
  for (let cut = 0; cut <= whole.length; cut++) {
    const d = new AwsEventStreamDecoder();
    const events = [...d.push(whole.subarray(0, cut)), ...d.push(whole.subarray(cut))];
    assert.deepEqual(summarise(events), expected, `split at ${cut}`);
    assert.equal(d.hasPartialFrame, false);
  }
});

test("decodes the stream fed one byte at a time and split at every pair of boundaries", () => {
  const d = new AwsEventStreamDecoder();
  const oneByOne: AwsStreamEvent[] = [];
  for (let i = 0; i < whole.length; i++) oneByOne.push(...d.push(whole.subarray(i, i + 1)));
  assert.deepEqual(summarise(oneByOne), expected);

  // Three pieces, cut at every (a, b) pair over the first two frames (cuts inside preludes included).
  const span = frames[0]!.length + frames[1]!.length + 2;
  for (let a = 0; a < span; a++) {
    for (let b = a; b < span; b++) {
      const d3 = new AwsEventStreamDecoder();
      const events = [
        ...d3.push(whole.subarray(0, a)),
        ...d3.push(whole.subarray(a, b)),
        ...d3.push(whole.subarray(b)),
      ];
      assert.deepEqual(summarise(events), expected, `split at ${a},${b}`);
    }
  }
});

test("does not depend on the caller keeping chunk memory intact", () => {
  const d = new AwsEventStreamDecoder();
  const firstPart = Buffer.from(whole.subarray(0, 30));
  assert.deepEqual(d.push(firstPart), []);
  firstPart.fill(0);
  assert.deepEqual(summarise(d.push(whole.subarray(30))), expected);
});

test("reports a truncated stream", () => {
  const d = new AwsEventStreamDecoder();
  d.push(whole.subarray(0, whole.length - 3));
  assert.equal(d.hasPartialFrame, true);
});

test("surfaces exception and error frames with their types", () => {
  const d = new AwsEventStreamDecoder();
  const events = d.push(
    Buffer.concat([
      encodeAwsException("throttlingException", {
        message: "Too many requests, please wait before trying again.",
      }),
      encodeAwsError("InternalFailure", "internal failure"),
    ]),
  );
  assert.equal(events.length, 2);
  assert.equal(events[0]?.messageType, "exception");
  assert.equal(events[0]?.exceptionType, "throttlingException");
  assert.equal(events[0]?.eventType, undefined);
  assert.deepEqual(JSON.parse(Buffer.from(events[0]!.payload).toString()), {
    message: "Too many requests, please wait before trying again.",
  });
  assert.equal(events[1]?.messageType, "error");
  assert.equal(events[1]?.errorCode, "InternalFailure");
  assert.equal(events[1]?.errorMessage, "internal failure");
  assert.equal(events[1]?.payload.length, 0);
});

test("rejects a frame whose CRC does not match", () => {
  const corrupt = Buffer.from(frames[1]!);
  corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 6) ^ 0x01, corrupt.length - 6); // flip a payload bit
  assert.throws(() => new AwsEventStreamDecoder().push(corrupt), /checksum/);
  const badPrelude = Buffer.from(frames[1]!);
  badPrelude.writeUInt8(badPrelude.readUInt8(5) ^ 0x01, 5); // headers length: prelude CRC no longer matches
  assert.throws(() => new AwsEventStreamDecoder().push(badPrelude), /checksum/);
});

test("rejects an impossible frame length instead of waiting forever", () => {
  const bogus = Buffer.alloc(8);
  bogus.writeUInt32BE(0xffffff00, 0);
  assert.throws(() => new AwsEventStreamDecoder().push(bogus), /frame length/);
});
