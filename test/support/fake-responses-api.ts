import type { ServerResponse } from "node:http";
import { writeInPieces } from "./recording-upstream.js";

/**
 * The OpenAI Responses API as a fake upstream speaks it (POST /responses, /responses/input_tokens),
 * shared by the fake OpenAI and the fake Azure OpenAI. It checks the request as the real API does
 * where the gateway could get it wrong (a `model` string, an `input`, no Chat-only members such as
 * `messages` or `stream_options.include_usage`, which the real API refuses as unknown parameters) and
 * answers the documented shapes: a response object, or a stream of named events from
 * `response.created` to `response.completed` cut at awkward byte boundaries; the answer names a
 * dated model, so a test can tell the model the upstream reports from the one it was asked for.
 */

export const RESPONSES_TEXT_PIECES: readonly string[] = ["Paris", " is the", " capital."];
export const RESPONSES_TEXT = RESPONSES_TEXT_PIECES.join("");
export const RESPONSES_USAGE = {
  input_tokens: 31,
  input_tokens_details: { cached_tokens: 12 },
  output_tokens: 17,
  output_tokens_details: { reasoning_tokens: 9 },
  total_tokens: 48,
} as const;

/** The model the fake says answered a request for `model`. */
export function answeringModel(model: string): string {
  return `${model}-2025-04-14`;
}

/** What the fake counts for input_tokens: one token per 4 characters of the JSON of `input` and `instructions`. */
export function countFakeInputTokens(body: Record<string, unknown>): number {
  return Math.ceil(JSON.stringify([body.input ?? null, body.instructions ?? null]).length / 4);
}

/** Why the real API would refuse this body (400), or undefined. `modelRequired` is false for input_tokens. */
export function responsesRequestProblem(
  body: Record<string, unknown>,
  modelRequired: boolean,
): string | undefined {
  if (modelRequired && typeof body.model !== "string") return "Missing required parameter: 'model'.";
  if (body.model !== undefined && typeof body.model !== "string") return "Invalid type for 'model'.";
  if (body.messages !== undefined) return "Unknown parameter: 'messages'.";
  const options = body.stream_options;
  if (typeof options === "object" && options !== null && "include_usage" in options)
    return "Unknown parameter: 'stream_options.include_usage'.";
  if (modelRequired && body.input === undefined && body.previous_response_id === undefined)
    return "Missing required parameter: 'input'.";
  return undefined;
}

/** Answers a valid /responses body, whole or streamed as `stream` says. */
export async function sendResponsesAnswer(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const model = answeringModel(String(body.model));
  const base = {
    id: "resp_fake_1",
    object: "response",
    created_at: 1_741_476_542,
    model,
    instructions: body.instructions ?? null,
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: [],
    text: { format: { type: "text" } },
  };
  const message = {
    type: "message",
    id: "msg_fake_1",
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text: RESPONSES_TEXT, annotations: [] }],
  };
  const completed = { ...base, status: "completed", output: [message], usage: RESPONSES_USAGE };
  if (body.stream !== true) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(completed));
    return;
  }
  const inProgress = { ...base, status: "in_progress", output: [], usage: null };
  const events: [string, Record<string, unknown>][] = [
    ["response.created", { response: inProgress }],
    ["response.in_progress", { response: inProgress }],
    [
      "response.output_item.added",
      { output_index: 0, item: { ...message, status: "in_progress", content: [] } },
    ],
    [
      "response.content_part.added",
      {
        item_id: message.id,
        output_index: 0,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      },
    ],
    ...RESPONSES_TEXT_PIECES.map((delta): [string, Record<string, unknown>] => [
      "response.output_text.delta",
      { item_id: message.id, output_index: 0, content_index: 0, delta, logprobs: [] },
    ]),
    // A delta event whose data mentions usage must not be taken for the usage.
    [
      "response.output_text.delta",
      {
        item_id: message.id,
        output_index: 0,
        content_index: 0,
        delta: "",
        obfuscation: '"usage":{"input_tokens":999}',
        logprobs: [],
      },
    ],
    [
      "response.output_text.done",
      { item_id: message.id, output_index: 0, content_index: 0, text: RESPONSES_TEXT, logprobs: [] },
    ],
    [
      "response.content_part.done",
      { item_id: message.id, output_index: 0, content_index: 0, part: message.content[0] },
    ],
    ["response.output_item.done", { output_index: 0, item: message }],
    ["response.completed", { response: completed }],
  ];
  const text = events
    .map(
      ([type, data], sequence_number) =>
        `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number, ...data })}\n\n`,
    )
    .join("");
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  await writeInPieces(res, Buffer.from(text), [7, 130, 1, 61, 300, 13]);
}

/** Answers /responses/input_tokens. */
export function sendInputTokensAnswer(res: ServerResponse, body: Record<string, unknown>): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ object: "response.input_tokens", input_tokens: countFakeInputTokens(body) }));
}

/** An error in OpenAI's envelope (Azure sends the same shape). */
export function sendOpenAIError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: { type?: string; code?: string | null; param?: string | null } = {},
): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      error: {
        message,
        type: extra.type ?? "invalid_request_error",
        param: extra.param ?? null,
        code: extra.code ?? null,
      },
    }),
  );
}
