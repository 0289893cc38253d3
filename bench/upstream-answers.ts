import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { answerText, answerToken } from "../src/sim/canned-answer.js";

/**
 * What the benchmark's fake providers answer, shaped byte for byte like the real services: the fake
 * Bedrock runtime serves these over HTTP and the per-chunk microbenchmark feeds them to the
 * translators in-process. Streams carry the simulator's 16 tokens of text, so a translated stream
 * gives the client the same 18 chat chunks the simulator streams on the passthrough path.
 */

export const STREAM_TOKENS = 16;
export const PROMPT_TOKENS = 9;
/**
 * The non-streaming Converse answer carries more text than the stream: its body is ~700 bytes, the
 * size of the simulator's `chat.completion`, so both paths read the same amount from the upstream.
 */
const CONVERSE_TOKENS = 72;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Bedrock pads every event with a random-length "p" to hide token lengths; fixed lengths here. */
function padding(i: number): string {
  return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0".slice(0, 8 + ((i * 7) % 40));
}

/** An AWS event stream `event` frame with a JSON payload, as Bedrock encodes it. */
function awsEvent(eventType: string, payload: unknown): Buffer {
  const headers: MessageHeaders = {
    ":event-type": { type: "string", value: eventType },
    ":content-type": { type: "string", value: "application/json" },
    ":message-type": { type: "string", value: "event" },
  };
  return Buffer.from(codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) }));
}

/** The body of a Converse answer (`POST /model/<id>/converse`), ~700 bytes. */
export function converseResponseBody(): string {
  return JSON.stringify({
    metrics: { latencyMs: 412 },
    output: { message: { content: [{ text: answerText(CONVERSE_TOKENS) }], role: "assistant" } },
    stopReason: "end_turn",
    usage: {
      inputTokens: PROMPT_TOKENS,
      outputTokens: CONVERSE_TOKENS,
      totalTokens: PROMPT_TOKENS + CONVERSE_TOKENS,
    },
  });
}

/**
 * A ConverseStream answer, one frame per element: messageStart, a contentBlockDelta per token,
 * contentBlockStop, messageStop and metadata (usage), every payload padded as Bedrock pads it.
 */
export function converseStreamFrames(): Buffer[] {
  const frames = [awsEvent("messageStart", { p: padding(0), role: "assistant" })];
  for (let i = 0; i < STREAM_TOKENS; i++) {
    frames.push(
      awsEvent("contentBlockDelta", {
        contentBlockIndex: 0,
        delta: { text: answerToken(i) },
        p: padding(i + 1),
      }),
    );
  }
  frames.push(
    awsEvent("contentBlockStop", { contentBlockIndex: 0, p: padding(STREAM_TOKENS + 1) }),
    awsEvent("messageStop", { p: padding(STREAM_TOKENS + 2), stopReason: "end_turn" }),
    awsEvent("metadata", {
      metrics: { latencyMs: 387 },
      p: padding(STREAM_TOKENS + 3),
      usage: {
        inputTokens: PROMPT_TOKENS,
        outputTokens: STREAM_TOKENS,
        totalTokens: PROMPT_TOKENS + STREAM_TOKENS,
      },
    }),
  );
  return frames;
}

/** The events of a streamed Claude answer, as the Anthropic Messages API sends them (ping included). */
function anthropicEvents(model: string, ping: boolean): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [
    {
      type: "message_start",
      message: {
        id: "msg_01XFDUDYJgAACzvnptvVoYEL",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: PROMPT_TOKENS,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
        },
      },
    },
  ];
  if (ping) events.push({ type: "ping" });
  events.push({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
  for (let i = 0; i < STREAM_TOKENS; i++) {
    events.push({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: answerToken(i) },
    });
  }
  events.push(
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: STREAM_TOKENS },
    },
    { type: "message_stop" },
  );
  return events;
}

/** An Anthropic Messages stream, one SSE event (with its `event:` line) per element. */
export function anthropicSseEvents(): Buffer[] {
  return anthropicEvents("claude-sonnet-4-5-20250929", true).map((event) =>
    Buffer.from(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
  );
}

/**
 * A Claude answer from Bedrock's InvokeModelWithResponseStream, one frame per element: `chunk`
 * events whose payload holds the Anthropic event as base64, no ping, and Bedrock's invocation
 * metrics on message_stop.
 */
export function invokeStreamFrames(): Buffer[] {
  return anthropicEvents("claude-sonnet-4-5-20250929", false).map((event, i) => {
    const withMetrics =
      event.type === "message_stop"
        ? {
            ...event,
            "amazon-bedrock-invocationMetrics": {
              inputTokenCount: PROMPT_TOKENS,
              outputTokenCount: STREAM_TOKENS,
              invocationLatency: 402,
              firstByteLatency: 211,
            },
          }
        : event;
    return awsEvent("chunk", {
      bytes: Buffer.from(JSON.stringify(withMetrics)).toString("base64"),
      p: padding(i),
    });
  });
}

/**
 * A Gemini answer from Vertex AI's `streamGenerateContent?alt=sse`, one SSE event per token: each
 * a GenerateContentResponse with one candidate's text part (as Vertex streams them, CRLF line ends),
 * usage metadata on every event (cumulative) and the finish reason on the last.
 */
export function geminiSseEvents(): Buffer[] {
  const events: Buffer[] = [];
  for (let i = 0; i < STREAM_TOKENS; i++) {
    const last = i === STREAM_TOKENS - 1;
    const event = {
      candidates: [
        {
          content: { role: "model", parts: [{ text: answerToken(i) }] },
          ...(last ? { finishReason: "STOP" } : {}),
        },
      ],
      usageMetadata: {
        promptTokenCount: PROMPT_TOKENS,
        ...(last
          ? { candidatesTokenCount: STREAM_TOKENS, totalTokenCount: PROMPT_TOKENS + STREAM_TOKENS }
          : {}),
        trafficType: "ON_DEMAND",
      },
      modelVersion: "gemini-2.5-flash",
      createTime: "2026-12-03T11:00:00.000000Z",
      responseId: "bench-gemini-response-0001",
    };
    events.push(Buffer.from(`data: ${JSON.stringify(event)}\r\n\r\n`));
  }
  return events;
}
