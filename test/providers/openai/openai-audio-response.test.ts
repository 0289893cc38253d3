import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tokenizeBedrockTranslator } from "../../../src/providers/aws-bedrock/tokenize-bedrock-translator.js";
import { openAIAudioResponse } from "../../../src/providers/openai/openai-audio-response.js";
import { tokenizeOpenAITranslator } from "../../../src/providers/openai/tokenize-openai-translator.js";
import {
  type ResponseContext,
  type TranslateRequestInput,
  UpstreamProtocolError,
} from "../../../src/providers/translator.js";

function request(body: Record<string, unknown>, stream: boolean): TranslateRequestInput {
  const raw = Buffer.from(JSON.stringify(body));
  return {
    body,
    raw,
    model: String(body.model),
    modelOverridden: false,
    stream,
    forceIncludeUsage: false,
    schema: { name: "OpenAI" },
    headers: {},
  };
}

function ctx(status: number, contentType: string, stream: boolean): ResponseContext {
  return {
    status,
    headers: { "content-type": contentType },
    requestModel: "gpt-4o-transcribe",
    stream,
    request: request({ model: "gpt-4o-transcribe" }, stream),
  };
}

const TOKENS_USAGE = {
  type: "tokens",
  input_tokens: 14,
  input_token_details: { text_tokens: 4, audio_tokens: 10 },
  output_tokens: 5,
  total_tokens: 19,
};

describe("openAIAudioResponse", () => {
  it("relays audio bytes chunk by chunk untouched and counts nothing", () => {
    const audio = openAIAudioResponse(ctx(200, "audio/mpeg", true));
    const chunk = Buffer.from([0, 1, 2, 0x0a, 0x0a, 255]);
    assert.equal(audio.chunk(chunk), chunk);
    assert.equal(audio.end(), undefined);
    assert.equal(audio.streamContentType, "audio/mpeg");
    assert.equal(audio.usage.totalTokens, 0);
  });

  it("reads speech.audio.done's usage from an SSE stream cut anywhere", () => {
    const text =
      `data: ${JSON.stringify({ type: "speech.audio.delta", audio: "AAAA" })}\n\n` +
      `data: ${JSON.stringify({ type: "speech.audio.done", usage: { input_tokens: 7, output_tokens: 30, total_tokens: 37 } })}\n\n`;
    for (const cut of [1, 17, text.length - 3]) {
      const audio = openAIAudioResponse(ctx(200, "text/event-stream", true));
      const bytes = Buffer.from(text);
      assert.deepEqual(
        Buffer.concat([
          audio.chunk(bytes.subarray(0, cut)) as Buffer,
          audio.chunk(bytes.subarray(cut)) as Buffer,
        ]),
        bytes,
      );
      audio.end();
      assert.deepEqual(
        [audio.usage.inputTokens, audio.usage.outputTokens, audio.usage.totalTokens],
        [7, 30, 37],
        `cut at ${cut}`,
      );
    }
  });

  it("reads transcript.text.done's usage and ignores usage-looking deltas", () => {
    const audio = openAIAudioResponse(ctx(200, "text/event-stream", true));
    audio.chunk(
      Buffer.from(
        `data: ${JSON.stringify({ type: "transcript.text.delta", delta: '"usage"' })}\n\n` +
          `data: ${JSON.stringify({ type: "transcript.text.done", text: "x", usage: TOKENS_USAGE })}\n\n`,
      ),
    );
    audio.end();
    assert.equal(audio.usage.inputTokens, 14);
    assert.equal(audio.usage.outputTokens, 5);
    assert.equal(audio.usage.totalTokens, 19);
  });

  it("an event stream without a single event is UpstreamProtocolError", () => {
    const audio = openAIAudioResponse(ctx(200, "text/event-stream", true));
    audio.chunk(Buffer.from(": keep-alive\n\n"));
    assert.throws(() => audio.end(), UpstreamProtocolError);
  });

  it("a JSON transcription's token usage is counted; duration usage counts no tokens", () => {
    const tokens = openAIAudioResponse(ctx(200, "application/json", false));
    tokens.body(Buffer.from(JSON.stringify({ text: "x", usage: TOKENS_USAGE })));
    assert.equal(tokens.usage.inputTokens, 14);
    assert.equal(tokens.usage.totalTokens, 19);
    const seconds = openAIAudioResponse(ctx(200, "application/json", false));
    const out = seconds.body(
      Buffer.from(JSON.stringify({ text: "x", usage: { type: "duration", seconds: 3 } })),
    );
    assert.equal(out.status, 200);
    assert.equal(seconds.usage.inputTokens, 0);
    assert.equal(seconds.usage.totalTokens, 0);
  });

  it("the text formats pass as they are; a JSON answer that is not JSON is UpstreamProtocolError", () => {
    const srt = "1\n00:00:00,000 --> 00:00:01,000\nBonjour\n";
    const out = openAIAudioResponse(ctx(200, "text/plain; charset=utf-8", false)).body(Buffer.from(srt));
    assert.equal(out.body.toString(), srt);
    assert.equal(out.contentType, "text/plain; charset=utf-8");
    assert.throws(
      () => openAIAudioResponse(ctx(200, "application/json", false)).body(Buffer.from("{cut")),
      UpstreamProtocolError,
    );
  });

  it("an upstream error that is not JSON is wrapped in the OpenAI envelope", () => {
    const out = openAIAudioResponse(ctx(502, "text/html", true)).body(Buffer.from("<h1>bad gateway</h1>"));
    assert.equal(out.status, 502);
    assert.equal(JSON.parse(out.body.toString()).error.message, "<h1>bad gateway</h1>");
  });
});

describe("tokenize usage readers", () => {
  it("vLLM's count is input usage; an answer without a count is UpstreamProtocolError", () => {
    const input = request({ model: "m", prompt: "a b" }, false);
    const context = {
      status: 200,
      headers: { "content-type": "application/json" },
      requestModel: "m",
      stream: false,
      request: input,
    };
    const ok = tokenizeOpenAITranslator.response(context);
    ok.body(Buffer.from('{"count":2,"max_model_len":8192,"tokens":[1,2]}'));
    assert.equal(ok.usage.inputTokens, 2);
    assert.throws(
      () => tokenizeOpenAITranslator.response(context).body(Buffer.from('{"tokens":[]}')),
      UpstreamProtocolError,
    );
  });

  it("Bedrock's inputTokens becomes {count}; a negative or missing count is UpstreamProtocolError", () => {
    const input = {
      ...request({ model: "anthropic.claude", prompt: "a b" }, false),
      schema: { name: "AWSBedrock" as const },
    };
    const context = {
      status: 200,
      headers: {},
      requestModel: "anthropic.claude",
      stream: false,
      request: input,
    };
    const ok = tokenizeBedrockTranslator.response(context);
    assert.equal(ok.body(Buffer.from('{"inputTokens":12}')).body, '{"count":12}');
    assert.equal(ok.usage.inputTokens, 12);
    for (const bad of ['{"inputTokens":-1}', "{}", "[]", "null"]) {
      assert.throws(
        () => tokenizeBedrockTranslator.response(context).body(Buffer.from(bad)),
        UpstreamProtocolError,
        bad,
      );
    }
  });
});
