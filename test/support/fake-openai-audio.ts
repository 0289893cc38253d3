import type { ServerResponse } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  type FakeUpstream,
  type ReceivedRequest,
  startRecordingUpstream,
  withCalls,
} from "./recording-upstream.js";

/**
 * A strict fake of OpenAI's audio endpoints and of vLLM's /tokenize, speaking their documented wire
 * formats and checking what it receives (400 in OpenAI's error envelope on a mismatch):
 * - POST /v1/audio/speech: JSON {model, input, voice}; answers audio bytes (written in pieces, each
 *   after an event-loop turn, so a gateway that buffered would be seen doing so) or, with
 *   `stream_format: "sse"`, `speech.audio.delta` events and a `speech.audio.done` event with usage.
 * - POST /v1/audio/transcriptions and /v1/audio/translations: multipart/form-data, parsed with
 *   undici's own parser (independent of the gateway's), a `file` and a `model` required. Answers JSON
 *   with usage (`type: "tokens"`, or `type: "duration"` for whisper-1), the text formats, or with
 *   `stream=true` `transcript.text.delta` events and a `transcript.text.done` event with usage.
 * - POST /tokenize (vLLM, at the root): {model, prompt} or {model, messages}; one token per word.
 */

/** The audio the fake speaks: 96 KiB of every byte value, sent in 8 KiB pieces. */
export const FAKE_AUDIO = Buffer.from(Array.from({ length: 96 * 1024 }, (_, i) => (i * 7) % 256));
export const AUDIO_PIECE = 8 * 1024;
export const FAKE_SPEECH_USAGE = { input_tokens: 11, output_tokens: 240, total_tokens: 251 } as const;
export const FAKE_TRANSCRIPT_PIECES: readonly string[] = ["Bonjour", " tout", " le", " monde."];
export const FAKE_TRANSCRIPT = FAKE_TRANSCRIPT_PIECES.join("");
export const FAKE_TRANSCRIPTION_USAGE = {
  type: "tokens",
  input_tokens: 14,
  input_token_details: { text_tokens: 4, audio_tokens: 10 },
  output_tokens: 5,
  total_tokens: 19,
} as const;
export const FAKE_DURATION_USAGE = { type: "duration", seconds: 3 } as const;
export const FAKE_MAX_MODEL_LEN = 8192;

/** What the fake accepted. */
export type FakeAudioCall =
  | { kind: "speech"; body: Record<string, unknown> }
  | UploadCall<"transcription">
  | UploadCall<"translation">
  | { kind: "tokenize"; body: Record<string, unknown> };

/** An accepted multipart upload: its text fields (every value of a repeated name) and its file. */
export interface UploadCall<K extends string> {
  kind: K;
  fields: Record<string, string[]>;
  file: { name: string; type: string; bytes: Buffer };
  contentType: string;
}

export type FakeOpenAIAudio = FakeUpstream<FakeAudioCall>;

export async function startFakeOpenAIAudio(): Promise<FakeOpenAIAudio> {
  const calls: FakeAudioCall[] = [];
  const upstream = await startRecordingUpstream((req, res) => handle(req, res, calls));
  return withCalls(upstream, calls);
}

async function handle(req: ReceivedRequest, res: ServerResponse, calls: FakeAudioCall[]): Promise<void> {
  if (req.method !== "POST") return sendError(res, 404, `no route for ${req.method} ${req.url}`);
  if (req.url === "/v1/audio/speech") return speech(req, res, calls);
  if (req.url === "/v1/audio/transcriptions") return upload(req, res, calls, "transcription");
  if (req.url === "/v1/audio/translations") return upload(req, res, calls, "translation");
  if (req.url === "/tokenize") return tokenize(req, res, calls);
  return sendError(res, 404, `no route for POST ${req.url}`);
}

async function speech(req: ReceivedRequest, res: ServerResponse, calls: FakeAudioCall[]): Promise<void> {
  const body = jsonBody(req, res);
  if (!body) return;
  if (typeof body.model !== "string" || typeof body.input !== "string" || typeof body.voice !== "string")
    return sendError(res, 400, "speech needs model, input and voice");
  calls.push({ kind: "speech", body });
  if (body.stream_format === "sse") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (let at = 0; at < FAKE_AUDIO.length; at += AUDIO_PIECE) {
      const audio = FAKE_AUDIO.subarray(at, at + AUDIO_PIECE).toString("base64");
      res.write(`data: ${JSON.stringify({ type: "speech.audio.delta", audio })}\n\n`);
      await nextTurn();
    }
    res.end(`data: ${JSON.stringify({ type: "speech.audio.done", usage: FAKE_SPEECH_USAGE })}\n\n`);
    return;
  }
  const format = typeof body.response_format === "string" ? body.response_format : "mp3";
  res.writeHead(200, { "content-type": format === "wav" ? "audio/wav" : "audio/mpeg" });
  for (let at = 0; at < FAKE_AUDIO.length; at += AUDIO_PIECE) {
    if (res.destroyed) return;
    res.write(FAKE_AUDIO.subarray(at, at + AUDIO_PIECE));
    await nextTurn();
  }
  res.end();
}

async function upload(
  req: ReceivedRequest,
  res: ServerResponse,
  calls: FakeAudioCall[],
  kind: "transcription" | "translation",
): Promise<void> {
  const contentType = String(req.headers["content-type"] ?? "");
  if (!contentType.startsWith("multipart/form-data; boundary="))
    return sendError(res, 400, `expected multipart/form-data, got '${contentType}'`);
  let form: FormData;
  try {
    form = await new Response(req.body, { headers: { "content-type": contentType } }).formData();
  } catch (err) {
    return sendError(res, 400, `malformed multipart body: ${(err as Error).message}`);
  }
  const fields: Record<string, string[]> = {};
  let file: File | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") fields[name] = [...(fields[name] ?? []), value];
    else if (name === "file") file = value;
  }
  if (!file) return sendError(res, 400, "the form has no file");
  if (fields.model?.length !== 1) return sendError(res, 400, "the form needs exactly one model");
  const call: UploadCall<typeof kind> = {
    kind,
    fields,
    file: { name: file.name, type: file.type, bytes: Buffer.from(await file.arrayBuffer()) },
    contentType,
  };
  calls.push(call as FakeAudioCall);
  const model = fields.model[0]!;
  const format = fields.response_format?.[0] ?? "json";
  if (kind === "transcription" && fields.stream?.[0] === "true") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const delta of FAKE_TRANSCRIPT_PIECES) {
      res.write(`data: ${JSON.stringify({ type: "transcript.text.delta", delta })}\n\n`);
      await nextTurn();
    }
    const done = { type: "transcript.text.done", text: FAKE_TRANSCRIPT, usage: FAKE_TRANSCRIPTION_USAGE };
    res.end(`data: ${JSON.stringify(done)}\n\n`);
    return;
  }
  if (format === "text") {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end(`${FAKE_TRANSCRIPT}\n`);
    return;
  }
  // Translations answer only the text; transcriptions add usage (seconds for whisper-1).
  const answer =
    kind === "translation"
      ? { text: FAKE_TRANSCRIPT }
      : {
          text: FAKE_TRANSCRIPT,
          usage: model === "whisper-1" ? FAKE_DURATION_USAGE : FAKE_TRANSCRIPTION_USAGE,
        };
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(answer));
}

function tokenize(req: ReceivedRequest, res: ServerResponse, calls: FakeAudioCall[]): void {
  const body = jsonBody(req, res);
  if (!body) return;
  let text: string;
  if (typeof body.prompt === "string") text = body.prompt;
  else if (Array.isArray(body.messages))
    text = body.messages.map((m) => String((m as { content?: unknown }).content ?? "")).join(" ");
  else {
    sendError(res, 400, "tokenize needs a prompt or messages");
    return;
  }
  if (typeof body.model !== "string") {
    sendError(res, 400, "tokenize needs a model");
    return;
  }
  calls.push({ kind: "tokenize", body });
  const tokens = text
    .split(/\s+/)
    .filter((w) => w !== "")
    .map((_, i) => 1000 + i);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({ count: tokens.length, max_model_len: FAKE_MAX_MODEL_LEN, tokens, token_strs: null }),
  );
}

function jsonBody(req: ReceivedRequest, res: ServerResponse): Record<string, unknown> | undefined {
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
    sendError(res, 400, "expected application/json");
    return undefined;
  }
  try {
    return JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
  } catch {
    sendError(res, 400, "the body is not JSON");
    return undefined;
  }
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } }));
}
