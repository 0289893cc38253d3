import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { Attributes, Span } from "@opentelemetry/api";
import { openInferenceLayout } from "../../src/telemetry/openinference-span.js";
import { requestRecord } from "../support/request-record.js";

const CONTENT = { inputs: true, outputs: true, invocationParameters: true };

/** The attributes openInferenceLayout.finish sets on a span, collected from a stand-in span. */
function attributesOf(request: Parameters<typeof openInferenceLayout.finish>[1]): Attributes {
  const attributes: Attributes = {};
  const span = { setAttributes: (a: Attributes) => Object.assign(attributes, a) } as unknown as Span;
  openInferenceLayout.finish(span, request);
  return attributes;
}

test("a multipart upload's span input is its text fields, never the audio bytes", () => {
  const raw = Buffer.concat([Buffer.from("--B\r\n..."), Buffer.alloc(1000, 0xff)]);
  const a = attributesOf({
    record: requestRecord({ api: "openai-audio-transcriptions", operation: "transcription" }),
    body: { model: "whisper-1", language: "fr" },
    rawBody: raw,
    output: '{"text":"Bonjour"}',
    content: CONTENT,
  });
  assert.equal(a["input.value"], '{"model":"whisper-1","language":"fr"}');
  assert.equal(a["output.value"], '{"text":"Bonjour"}');
});

test("speech records its input but not the audio it answered", () => {
  const a = attributesOf({
    record: requestRecord({ api: "openai-audio-speech", operation: "speech", stream: true }),
    body: { model: "tts", input: "Say hi", voice: "alloy" },
    rawBody: Buffer.from('{"model":"tts","input":"Say hi","voice":"alloy"}'),
    output: "\u0000\u00ffID3 audio",
    content: CONTENT,
  });
  assert.equal(a["llm.input_messages.0.message.content"], "Say hi");
  assert.equal(a["output.value"], undefined);
  assert.equal(openInferenceLayout.nameAtStart("speech"), "AudioSpeech");
  assert.equal(openInferenceLayout.nameAtStart("tokenize"), "Tokenize");
});
