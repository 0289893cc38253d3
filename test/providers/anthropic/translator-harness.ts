import type { IncomingHttpHeaders } from "node:http";
import type {
  BackendSchema,
  ResponseContext,
  ResponseTranslator,
  TranslateRequestInput,
} from "../../../src/providers/translator.js";

/** Helpers to drive a translator the way the gateway does. */

/** The gateway's input for a client body (parsed and raw), with the model it asks for. */
export function requestInput(
  body: Record<string, unknown>,
  options: {
    schema?: BackendSchema;
    model?: string;
    headers?: IncomingHttpHeaders;
    forceIncludeUsage?: boolean;
  } = {},
): TranslateRequestInput {
  const model = options.model ?? String(body.model);
  return {
    body,
    raw: Buffer.from(JSON.stringify(body)),
    model,
    modelOverridden: model !== body.model,
    stream: body.stream === true,
    forceIncludeUsage: options.forceIncludeUsage ?? false,
    schema: options.schema ?? { name: "Anthropic" },
    headers: options.headers ?? {},
  };
}

/**
 * Upstream answer context. `request` is the input the gateway handed to the request side; by default
 * a plain request for the model that asks for nothing special (e.g. no stream usage).
 */
export function responseContext(
  status: number,
  requestModel: string,
  options: { stream?: boolean; headers?: Record<string, string>; request?: TranslateRequestInput } = {},
): ResponseContext {
  const stream = options.stream ?? false;
  return {
    status,
    headers: { date: "Tue, 24 Nov 2026 10:00:00 GMT", ...options.headers },
    requestModel,
    stream,
    request:
      options.request ?? requestInput({ model: requestModel, messages: [], ...(stream ? { stream } : {}) }),
  };
}

/** Unix seconds of the Date header responseContext sets. */
export const RESPONSE_CREATED = Date.parse("Tue, 24 Nov 2026 10:00:00 GMT") / 1000;

/**
 * The chat.completion.chunk objects a stream translated for OpenAI chat should hold for message `id`
 * of `model`: `head` (what every chunk repeats) and `choice(delta, finish)`, one chunk of choice 0.
 */
export function expectedChatChunks(id: string, model: string) {
  const head = { id, object: "chat.completion.chunk", created: RESPONSE_CREATED, model };
  const choice = (delta: unknown, finish: string | null = null) => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  return { head, choice };
}

/**
 * An expected Anthropic SSE event as the tests read them back: [the name on its `event:` line, its
 * data], the name being the data's type.
 */
export function anthropicEvent(data: Record<string, unknown> & { type: string }): [string, unknown] {
  return [data.type, data];
}

/** Feeds `bytes` to a stream translator in pieces of `size` bytes; returns everything it wrote. */
export function runStream(translator: ResponseTranslator, bytes: Buffer | string, size: number): string {
  const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  const out: Buffer[] = [];
  const add = (piece: Buffer | string | undefined) => {
    if (piece !== undefined) out.push(typeof piece === "string" ? Buffer.from(piece, "utf8") : piece);
  };
  for (let i = 0; i < data.length; i += size) add(translator.chunk(Buffer.from(data.subarray(i, i + size))));
  add(translator.end());
  return Buffer.concat(out).toString("utf8");
}

/** Piece sizes that cut events, lines, JSON and multi-byte characters in every place. */
export const AWKWARD_PIECE_SIZES = [1, 2, 3, 7, 13, 64, 1 << 20];

/** The body of a TranslatedBody as a parsed JSON value. */
export function jsonOf(body: Buffer | string): unknown {
  return JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
}
