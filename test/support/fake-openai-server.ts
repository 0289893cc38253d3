import type { ServerResponse } from "node:http";
import {
  type RecordingUpstream,
  startRecordingUpstream,
  type UpstreamHandler,
} from "./recording-upstream.js";

/**
 * A small, deterministic OpenAI-compatible upstream speaking the documented wire format: chat completions
 * (plain, streamed, tool calls plain and streamed), legacy completions and embeddings (float and base64).
 * It answers with fixed content and usage so tests can check what came through the gateway exactly, and
 * it records every request (headers included) so tests can check what the gateway sent.
 * Any path ending in /chat/completions, /completions or /embeddings is served, whatever the prefix.
 */

export const FAKE_CREATED = 1_700_000_000;
/** The answer, streamed one element per chunk. */
export const FAKE_ANSWER_TOKENS: readonly string[] = ["Hello", " from", " the", " fake", " upstream!"];
export const FAKE_ANSWER = FAKE_ANSWER_TOKENS.join("");
export const FAKE_CHAT_USAGE = {
  prompt_tokens: 9,
  completion_tokens: 5,
  total_tokens: 14,
  prompt_tokens_details: { cached_tokens: 3 },
  completion_tokens_details: { reasoning_tokens: 2 },
} as const;
/** Tool call answered when the request offers tools: the first tool, called with these arguments. */
export const FAKE_TOOL_CALL_ID = "call_fake_1";
export const FAKE_TOOL_ARGUMENT_FRAGMENTS: readonly string[] = ['{"loc', 'ation":', ' "Paris"}'];
export const FAKE_TOOL_ARGUMENTS = FAKE_TOOL_ARGUMENT_FRAGMENTS.join("");
export const FAKE_COMPLETION_TOKENS: readonly string[] = [" once", " upon", " a", " time"];
export const FAKE_COMPLETION_TEXT = FAKE_COMPLETION_TOKENS.join("");
export const FAKE_COMPLETION_USAGE = { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 } as const;
/** Exactly representable as float32, so a base64 round trip gives the same numbers back. */
export const FAKE_EMBEDDING: readonly number[] = [0.25, -0.5, 1, 0.125];
export const FAKE_EMBEDDING_USAGE = { prompt_tokens: 6, total_tokens: 6 } as const;

export function startFakeOpenAI(): Promise<RecordingUpstream> {
  return startRecordingUpstream(fakeOpenAIHandler);
}

export const fakeOpenAIHandler: UpstreamHandler = (req, res) => {
  const path = req.url.split("?")[0] ?? "";
  if (req.method !== "POST")
    return sendError(res, 404, `fake upstream: no route for ${req.method} ${req.url}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return sendError(res, 400, "fake upstream: body is not JSON");
  }
  if (path.endsWith("/chat/completions")) return chat(body, res);
  if (path.endsWith("/completions")) return completions(body, res);
  if (path.endsWith("/embeddings")) return embeddings(body, res);
  return sendError(res, 404, `fake upstream: no route for ${req.method} ${req.url}`);
};

function chat(body: Record<string, unknown>, res: ServerResponse): void {
  const model = String(body["model"]);
  const tools = body["tools"] as { function: { name: string } }[] | undefined;
  const toolName = tools?.[0]?.function.name;
  if (body["stream"] !== true) {
    const message =
      toolName === undefined
        ? { role: "assistant", content: FAKE_ANSWER, refusal: null }
        : {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [
              {
                id: FAKE_TOOL_CALL_ID,
                type: "function",
                function: { name: toolName, arguments: FAKE_TOOL_ARGUMENTS },
              },
            ],
          };
    const finishReason = toolName === undefined ? "stop" : "tool_calls";
    sendJson(res, {
      id: "chatcmpl-fake-1",
      object: "chat.completion",
      created: FAKE_CREATED,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage: FAKE_CHAT_USAGE,
    });
    return;
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: "chatcmpl-fake-1",
    object: "chat.completion.chunk",
    created: FAKE_CREATED,
    model,
    choices,
    ...extra,
  });
  const deltas: unknown[] =
    toolName === undefined
      ? [{ role: "assistant", content: "" }, ...FAKE_ANSWER_TOKENS.map((content) => ({ content }))]
      : [
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                index: 0,
                id: FAKE_TOOL_CALL_ID,
                type: "function",
                function: { name: toolName, arguments: "" },
              },
            ],
          },
          ...FAKE_TOOL_ARGUMENT_FRAGMENTS.map((fragment) => ({
            tool_calls: [{ index: 0, function: { arguments: fragment } }],
          })),
        ];
  const chunks = deltas.map((delta) => chunk([{ index: 0, delta, logprobs: null, finish_reason: null }]));
  chunks.push(
    chunk([
      { index: 0, delta: {}, logprobs: null, finish_reason: toolName === undefined ? "stop" : "tool_calls" },
    ]),
  );
  if (includeUsage(body)) chunks.push(chunk([], { usage: FAKE_CHAT_USAGE }));
  sendStream(res, chunks);
}

function completions(body: Record<string, unknown>, res: ServerResponse): void {
  const model = String(body["model"]);
  const base = { id: "cmpl-fake-1", object: "text_completion", created: FAKE_CREATED, model };
  if (body["stream"] !== true) {
    sendJson(res, {
      ...base,
      choices: [{ text: FAKE_COMPLETION_TEXT, index: 0, logprobs: null, finish_reason: "stop" }],
      usage: FAKE_COMPLETION_USAGE,
    });
    return;
  }
  const chunks: unknown[] = FAKE_COMPLETION_TOKENS.map((text, i, all) => ({
    ...base,
    choices: [{ text, index: 0, logprobs: null, finish_reason: i === all.length - 1 ? "stop" : null }],
  }));
  if (includeUsage(body)) chunks.push({ ...base, choices: [], usage: FAKE_COMPLETION_USAGE });
  sendStream(res, chunks);
}

function embeddings(body: Record<string, unknown>, res: ServerResponse): void {
  const input = body["input"];
  // A string, or an array of strings, or of token arrays: one vector per input.
  const count = Array.isArray(input) && input.some((item) => typeof item !== "number") ? input.length : 1;
  const base64 = body["encoding_format"] === "base64";
  const vector = base64
    ? Buffer.from(new Float32Array(FAKE_EMBEDDING).buffer).toString("base64")
    : FAKE_EMBEDDING;
  sendJson(res, {
    object: "list",
    data: Array.from({ length: count }, (_, index) => ({ object: "embedding", index, embedding: vector })),
    model: String(body["model"]),
    usage: FAKE_EMBEDDING_USAGE,
  });
}

function includeUsage(body: Record<string, unknown>): boolean {
  const options = body["stream_options"] as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

/** One write per event, like a real server generating tokens. */
function sendStream(res: ServerResponse, chunks: readonly unknown[]): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end("data: [DONE]\n\n");
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } }));
}
