import * as assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import OpenAI, { toFile } from "openai";
import {
  AUDIO_PIECE,
  FAKE_AUDIO,
  FAKE_SPEECH_USAGE,
  FAKE_TRANSCRIPT,
  FAKE_TRANSCRIPTION_USAGE,
  type FakeAudioCall,
  type FakeOpenAIAudio,
  startFakeOpenAIAudio,
} from "../support/fake-openai-audio.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { parsePrometheusText, samplesOf } from "../support/prometheus-text.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The official OpenAI SDK's audio calls through the gateway to a fake OpenAI that checks what it
 * gets: speech relayed as it streams (audio bytes, and SSE with usage), transcriptions and
 * translations uploaded as multipart forms whose file arrives byte for byte (the model rewritten in
 * place where the route overrides it), and usage counted from every answer that has it.
 */

/** Bytes of every value, with CRLF and a fake boundary inside, so any re-encoding would show. */
const UPLOAD = Buffer.concat([
  Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 31) % 256)),
  Buffer.from("\r\n------formdata-undici-0\r\n\r\n"),
]);

let fake: FakeOpenAIAudio;
let gated: RecordingUpstream;
let releaseGate: () => void = () => {};
/** Streams one transcript delta and then nothing: a client that leaves finds it still open. */
let stalled: RecordingUpstream;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  fake = await startFakeOpenAIAudio();
  // Writes the first audio piece, then nothing until the test has read it: a gateway that held the
  // answer whole would never hand the client that piece.
  gated = await startRecordingUpstream(async (_req, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "audio/mpeg" });
    res.write(FAKE_AUDIO.subarray(0, AUDIO_PIECE));
    await new Promise<void>((resolve) => {
      releaseGate = resolve;
    });
    res.end(FAKE_AUDIO.subarray(AUDIO_PIECE));
  });
  stalled = await startRecordingUpstream((_req, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify({ type: "transcript.text.delta", delta: "Bonjour" })}\n\n`);
  });
  gateway = await startTestGateway(
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("openai", fake.url, { apiKey: "sk-upstream" }),
      openAIBackendDocs("gated", gated.url),
      openAIBackendDocs("stalled", stalled.url),
      routeDoc("audio", {
        rules: [
          { matches: [modelIs("gpt-4o-mini-tts")], backendRefs: [{ name: "openai" }] },
          { matches: [modelIs("gated-tts")], backendRefs: [{ name: "gated" }] },
          { matches: [modelIs("stalled-transcribe")], backendRefs: [{ name: "stalled" }] },
          { matches: [modelIs("gpt-4o-transcribe")], backendRefs: [{ name: "openai" }] },
          { matches: [modelIs("whisper-1")], backendRefs: [{ name: "openai" }] },
          {
            matches: [modelIs("transcribe")],
            backendRefs: [{ name: "openai", modelNameOverride: "gpt-4o-transcribe" }],
          },
        ],
      }),
    ),
  );
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

after(async () => {
  releaseGate();
  await gateway?.close();
  await fake?.close();
  await gated?.close();
  await stalled?.close();
});

function onlyCall<K extends FakeAudioCall["kind"]>(calls: FakeAudioCall[], kind: K) {
  assert.equal(calls.length, 1, "exactly one accepted upstream call");
  const call = calls[0]!;
  assert.equal(call.kind, kind);
  return call as Extract<FakeAudioCall, { kind: K }>;
}

describe("audio.speech.create", () => {
  test("binary audio arrives whole and unchanged, with the upstream's key and content-type", async () => {
    const { result, calls, record } = await observeCalls(gateway, fake, async () => {
      const response = await client.audio.speech.create({
        model: "gpt-4o-mini-tts",
        input: "Hello there",
        voice: "alloy",
      });
      return { type: response.headers.get("content-type"), bytes: Buffer.from(await response.arrayBuffer()) };
    });
    const call = onlyCall(calls, "speech");
    assert.deepEqual(call.body, { model: "gpt-4o-mini-tts", input: "Hello there", voice: "alloy" });
    assert.equal(fake.requests.at(-1)!.headers.authorization, "Bearer sk-upstream");
    assert.equal(result.type, "audio/mpeg");
    assert.deepEqual(result.bytes, FAKE_AUDIO);
    assert.equal(record.operation, "speech");
    assert.equal(record.status, 200);
    assert.equal(record.stream, true);
  });

  test("the audio is relayed as it arrives, not held until the upstream ends", async () => {
    // A gateway that held the answer would deliver neither its headers nor its first piece while the
    // upstream holds the rest: fail in 5 s rather than hang.
    const heldBack = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the first audio piece was held back")), 5000).unref(),
    );
    const response = await Promise.race([
      client.audio.speech.create({ model: "gated-tts", input: "Hi", voice: "alloy" }),
      heldBack,
    ]);
    const reader = response.body!.getReader();
    let first = 0;
    while (first < AUDIO_PIECE) {
      const { value, done } = await Promise.race([reader.read(), heldBack]);
      assert.ok(!done, "the stream ended before the first piece");
      first += value.length;
    }
    assert.equal(first, AUDIO_PIECE, "the first piece arrived while the upstream still held the rest");
    releaseGate();
    const rest: Uint8Array[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest.push(value);
    }
    assert.equal(first + Buffer.concat(rest).length, FAKE_AUDIO.length);
  });

  test('stream_format "sse": the events are relayed and speech.audio.done\'s usage is counted', async () => {
    const { result, calls, record } = await observeCalls(gateway, fake, async () => {
      const response = await client.audio.speech.create({
        model: "gpt-4o-mini-tts",
        input: "Hello there",
        voice: "alloy",
        stream_format: "sse",
      });
      return { type: response.headers.get("content-type"), text: await response.text() };
    });
    assert.equal(onlyCall(calls, "speech").body.stream_format, "sse");
    assert.equal(result.type, "text/event-stream");
    const events = result.text
      .split("\n\n")
      .filter((e) => e.startsWith("data: "))
      .map((e) => JSON.parse(e.slice(6)) as { type: string; audio?: string });
    const audio = Buffer.concat(events.filter((e) => e.audio).map((e) => Buffer.from(e.audio!, "base64")));
    assert.deepEqual(audio, FAKE_AUDIO);
    assert.equal(events.at(-1)!.type, "speech.audio.done");
    assert.equal(record.usage.inputTokens, FAKE_SPEECH_USAGE.input_tokens);
    assert.equal(record.usage.outputTokens, FAKE_SPEECH_USAGE.output_tokens);
    assert.equal(record.usage.totalTokens, FAKE_SPEECH_USAGE.total_tokens);
  });
});

describe("audio.transcriptions.create", () => {
  test("the uploaded file arrives byte for byte and token usage is counted", async () => {
    const { result, calls, record } = await observeCalls(gateway, fake, async () =>
      client.audio.transcriptions.create({
        model: "gpt-4o-transcribe",
        file: await toFile(UPLOAD, "meeting.wav", { type: "audio/wav" }),
        language: "fr",
        prompt: "Une réunion",
        temperature: 0.2,
      }),
    );
    const call = onlyCall(calls, "transcription");
    assert.deepEqual(call.file.bytes, UPLOAD);
    assert.equal(call.file.name, "meeting.wav");
    assert.equal(call.file.type, "audio/wav");
    assert.deepEqual(call.fields.model, ["gpt-4o-transcribe"]);
    assert.deepEqual(call.fields.language, ["fr"]);
    assert.deepEqual(call.fields.prompt, ["Une réunion"]);
    assert.equal((result as { text: string }).text, FAKE_TRANSCRIPT);
    assert.equal(record.operation, "transcription");
    assert.equal(record.originalModel, "gpt-4o-transcribe");
    assert.equal(record.usage.inputTokens, FAKE_TRANSCRIPTION_USAGE.input_tokens);
    assert.equal(record.usage.outputTokens, FAKE_TRANSCRIPTION_USAGE.output_tokens);
    assert.equal(record.usage.totalTokens, FAKE_TRANSCRIPTION_USAGE.total_tokens);
  });

  test("without an override the client's multipart bytes are forwarded unchanged", async () => {
    const before = fake.requests.length;
    const form = new FormData();
    form.append("model", "gpt-4o-transcribe");
    form.append("file", new Blob([UPLOAD], { type: "audio/wav" }), "a.wav");
    const request = new Request(`${gateway.url}/v1/audio/transcriptions`, { method: "POST", body: form });
    const sentBytes = Buffer.from(await request.clone().arrayBuffer());
    const response = await fetch(request);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    assert.deepEqual(fake.requests[before]!.body, sentBytes);
    assert.equal(fake.requests[before]!.headers["content-type"], request.headers.get("content-type"));
  });

  test("modelNameOverride rewrites only the model field; file and other fields stay", async () => {
    const { calls, record } = await observeCalls(gateway, fake, async () =>
      client.audio.transcriptions.create({
        model: "transcribe",
        file: await toFile(UPLOAD, "meeting.wav", { type: "audio/wav" }),
        timestamp_granularities: ["word", "segment"],
        response_format: "verbose_json",
      }),
    );
    const call = onlyCall(calls, "transcription");
    assert.deepEqual(call.fields.model, ["gpt-4o-transcribe"]);
    assert.deepEqual(call.fields["timestamp_granularities[]"], ["word", "segment"]);
    assert.deepEqual(call.fields.response_format, ["verbose_json"]);
    assert.deepEqual(call.file.bytes, UPLOAD);
    assert.equal(record.originalModel, "transcribe");
    assert.equal(record.requestModel, "gpt-4o-transcribe");
  });

  test("stream: true relays transcript.text.* events and counts the done event's usage", async () => {
    const { result, record } = await observeCalls(gateway, fake, async () => {
      const stream = await client.audio.transcriptions.create({
        model: "gpt-4o-transcribe",
        file: await toFile(UPLOAD, "meeting.wav"),
        stream: true,
      });
      const events: { type: string; delta?: string; text?: string }[] = [];
      for await (const event of stream) events.push(event as (typeof events)[number]);
      return events;
    });
    const deltas = result.filter((e) => e.type === "transcript.text.delta").map((e) => e.delta);
    assert.equal(deltas.join(""), FAKE_TRANSCRIPT);
    assert.equal(result.at(-1)!.type, "transcript.text.done");
    assert.equal(record.stream, true);
    assert.equal(record.usage.inputTokens, FAKE_TRANSCRIPTION_USAGE.input_tokens);
    assert.equal(record.usage.outputTokens, FAKE_TRANSCRIPTION_USAGE.output_tokens);
  });

  test("a client leaving a transcription stream is not charged the audio file's bytes as tokens", async () => {
    const recordsBefore = gateway.records.length;
    const controller = new AbortController();
    const stream = await client.audio.transcriptions.create(
      { model: "stalled-transcribe", file: await toFile(Buffer.alloc(400_000, 3), "long.wav"), stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const event of stream) {
        assert.equal(event.type, "transcript.text.delta");
        seen += 1;
        controller.abort();
      }
    } catch (err) {
      // Whether the SDK ends the iteration or throws on abort differs by version; both are a leave.
      assert.ok(err instanceof OpenAI.APIUserAbortError, String(err));
    }
    assert.equal(seen, 1);
    const record = (await gateway.waitForRecords(recordsBefore + 1))[recordsBefore]!;
    assert.equal(record.error, "client_closed");
    assert.equal(record.usage.inputTokens, 0);
    // The text deltas relayed are still estimated as output, one token each, as for chat streams.
    assert.equal(record.usage.outputTokens, 1);
  });

  test("response_format text is relayed as text; whisper-1's duration usage counts no tokens", async () => {
    const text = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await toFile(UPLOAD, "a.wav"),
      response_format: "text",
    });
    assert.equal(String(text).trim(), FAKE_TRANSCRIPT);
    const { result, record } = await observeCalls(gateway, fake, async () =>
      client.audio.transcriptions.create({ model: "whisper-1", file: await toFile(UPLOAD, "a.wav") }),
    );
    assert.equal((result as { text: string }).text, FAKE_TRANSCRIPT);
    assert.equal(record.status, 200);
    assert.equal(record.usage.inputTokens, 0);
    assert.equal(record.usage.totalTokens, 0);
  });
});

describe("audio.translations.create", () => {
  test("the upload reaches /v1/audio/translations intact", async () => {
    const { result, calls, record } = await observeCalls(gateway, fake, async () =>
      client.audio.translations.create({ model: "whisper-1", file: await toFile(UPLOAD, "fr.mp3") }),
    );
    const call = onlyCall(calls, "translation");
    assert.deepEqual(call.file.bytes, UPLOAD);
    assert.equal((result as { text: string }).text, FAKE_TRANSCRIPT);
    assert.equal(record.operation, "translation");
    assert.equal(record.status, 200);
  });
});

describe("bad multipart input", () => {
  test("a form without a model is a 400 in the OpenAI envelope, and nothing goes upstream", async () => {
    const before = fake.requests.length;
    const form = new FormData();
    form.append("file", new Blob([UPLOAD]), "a.wav");
    const response = await fetch(`${gateway.url}/v1/audio/transcriptions`, { method: "POST", body: form });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "BadRequest");
    assert.match(body.error.message, /model field is required/);
    assert.equal(fake.requests.length, before);
  });

  test("a form giving the model twice is a 400: the route and the upstream could read different ones", async () => {
    const before = fake.requests.length;
    const form = new FormData();
    form.append("model", "whisper-1");
    form.append("model", "gpt-4o-transcribe");
    form.append("file", new Blob([UPLOAD]), "a.wav");
    const response = await fetch(`${gateway.url}/v1/audio/transcriptions`, { method: "POST", body: form });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { type: string; message: string } };
    assert.match(body.error.message, /'model' more than once/);
    assert.equal(fake.requests.length, before);
  });

  test("the SDK's error for a missing model is that 400", async () => {
    await assert.rejects(
      client.audio.translations.create({ model: "", file: await toFile(UPLOAD, "a.wav") }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && /model field is required/.test(err.message),
    );
  });

  for (const [what, contentType, body] of [
    [
      "a body cut before its closing boundary",
      "multipart/form-data; boundary=B",
      '--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1',
    ],
    ["JSON sent to a multipart endpoint", "application/json", '{"model":"whisper-1"}'],
    ["a multipart type without a boundary", "multipart/form-data", "--B--"],
  ] as const) {
    test(`${what} is a 400 malformed_request`, async () => {
      const response = await fetch(`${gateway.url}/v1/audio/transcriptions`, {
        method: "POST",
        headers: { "content-type": contentType },
        body,
      });
      assert.equal(response.status, 400);
      const answer = (await response.json()) as { error: { type: string; message: string } };
      assert.equal(answer.error.type, "BadRequest");
      assert.match(answer.error.message, /^malformed request: /);
    });
  }
});

describe("the body limit (bufferLimit 64Ki) holds for uploads", () => {
  let limited: TestGateway;
  before(async () => {
    limited = await startTestGateway(
      configYaml(
        gatewayDocs({ bufferLimit: "64Ki" }),
        openAIBackendDocs("openai", fake.url),
        routeDoc("audio", {
          rules: [{ matches: [modelIs("whisper-1")], backendRefs: [{ name: "openai" }] }],
        }),
      ),
    );
  });
  after(() => limited?.close());

  test("an upload over the limit is a 413 the SDK reads, and nothing goes upstream", async () => {
    const before = fake.requests.length;
    const sdk = new OpenAI({ apiKey: "sk-client", baseURL: `${limited.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      sdk.audio.transcriptions.create({
        model: "whisper-1",
        file: await toFile(Buffer.alloc(70 * 1024, 1), "long.wav"),
      }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 413,
    );
    assert.equal(fake.requests.length, before);
  });

  test("an upload under the limit passes", async () => {
    const result = await new OpenAI({
      apiKey: "sk-client",
      baseURL: `${limited.url}/v1`,
      maxRetries: 0,
    }).audio.translations.create({
      model: "whisper-1",
      file: await toFile(UPLOAD, "short.wav"),
    });
    assert.equal(result.text, FAKE_TRANSCRIPT);
  });
});

describe("metrics", () => {
  test("/metrics counts the audio operations' tokens as the records counted them", async () => {
    const response = await fetch(`${gateway.gateway.adminUrl}/metrics`);
    const metrics = parsePrometheusText(await response.text());
    for (const operation of ["speech", "transcription"]) {
      const recorded = gateway.records
        .filter((r) => r.operation === operation && r.status === 200)
        .reduce((sum, r) => sum + r.usage.inputTokens, 0);
      assert.ok(recorded > 0, `${operation} counted input tokens`);
      const exported = samplesOf(metrics, "gen_ai_client_token_usage_sum", {
        gen_ai_operation_name: operation,
        gen_ai_token_type: "input",
      }).reduce((sum, s) => sum + s.value, 0);
      assert.equal(exported, recorded, operation);
    }
  });
});
