import type { ClientApi } from "../providers/translator.js";

/** One message of a conversation as a span records it: its role and its text. */
export interface SpanMessage {
  readonly role: string;
  readonly text: string;
  readonly finishReason?: string;
}

type Json = Record<string, unknown>;

/**
 * The prompt's messages in the client API's own shape: OpenAI chat `messages` (string content or
 * text parts), Anthropic `system` and `messages`, a completion's `prompt`. Only what a span can show
 * as text; images and tool payloads are left out.
 */
export function inputMessagesOf(api: ClientApi, body: Json): SpanMessage[] {
  const out: SpanMessage[] = [];
  // Speech's text to say is its one input message.
  if (api === "openai-audio-speech") {
    if (typeof body.input === "string") out.push({ role: "user", text: body.input });
    return out;
  }
  // /tokenize takes a completion's prompt or chat messages.
  if (api === "openai-completions" || (api === "tokenize" && body.messages === undefined)) {
    const prompt = body.prompt;
    const prompts = Array.isArray(prompt) ? prompt : [prompt];
    for (const p of prompts) if (typeof p === "string") out.push({ role: "user", text: p });
    return out;
  }
  if (api === "anthropic-messages" || api === "anthropic-count-tokens") {
    const system = textOf(body.system);
    if (system !== undefined) out.push({ role: "system", text: system });
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    if (typeof m !== "object" || m === null) continue;
    const message = m as Json;
    out.push({
      role: typeof message.role === "string" ? message.role : "user",
      text: textOf(message.content) ?? "",
    });
  }
  return out;
}

/** An embeddings request's input strings (token-id inputs have no text). */
export function embeddingInputsOf(body: Json): string[] {
  const input = body.input;
  const inputs = Array.isArray(input) ? input : [input];
  return inputs.filter((i): i is string => typeof i === "string");
}

/**
 * The answer's messages from the bytes relayed to the client: a JSON body, or (streams) the SSE
 * events, whose text deltas are joined. Undefined when nothing could be read.
 */
export function outputMessagesOf(api: ClientApi, stream: boolean, text: string): SpanMessage[] | undefined {
  if (stream) return streamedOutputOf(api, text);
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  if (api === "anthropic-messages") {
    return [
      {
        role: typeof body.role === "string" ? body.role : "assistant",
        text: textOf(body.content) ?? "",
        ...(typeof body.stop_reason === "string" ? { finishReason: body.stop_reason } : {}),
      },
    ];
  }
  if (!Array.isArray(body.choices)) return undefined;
  return body.choices.map((c: Json) => {
    const message = (c.message ?? {}) as Json;
    const content = api === "openai-completions" ? c.text : message.content;
    return {
      role: typeof message.role === "string" ? message.role : "assistant",
      text: typeof content === "string" ? content : "",
      ...(typeof c.finish_reason === "string" ? { finishReason: c.finish_reason } : {}),
    };
  });
}

function streamedOutputOf(api: ClientApi, text: string): SpanMessage[] | undefined {
  let joined = "";
  let finishReason: string | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "" || data === "[DONE]") continue;
    let event: Json;
    try {
      event = JSON.parse(data) as Json;
    } catch {
      continue;
    }
    if (api === "anthropic-messages") {
      const delta = event.delta as Json | undefined;
      if (event.type === "content_block_delta" && typeof delta?.text === "string") joined += delta.text;
      if (event.type === "message_delta" && typeof delta?.stop_reason === "string")
        finishReason = delta.stop_reason;
      continue;
    }
    const choice = Array.isArray(event.choices) ? (event.choices[0] as Json | undefined) : undefined;
    if (!choice) continue;
    const piece = api === "openai-completions" ? choice.text : (choice.delta as Json | undefined)?.content;
    if (typeof piece === "string") joined += piece;
    if (typeof choice.finish_reason === "string") finishReason = choice.finish_reason;
  }
  return [{ role: "assistant", text: joined, ...(finishReason ? { finishReason } : {}) }];
}

/** A content value as text: a string, or the text parts (or blocks) of an array, joined. */
function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  let text = "";
  for (const part of content) {
    if (typeof part === "object" && part !== null && typeof (part as Json).text === "string") {
      text += (part as Json).text as string;
    }
  }
  return text;
}

/** The request's parameters without its content: what `llm.invocation_parameters` shows. */
export function invocationParametersOf(body: Json): Json {
  const out: Json = {};
  for (const key in body) {
    if (!CONTENT_KEYS.has(key)) out[key] = body[key];
  }
  return out;
}

/** Body fields that hold what a user typed or a tool returned, never shown without being asked. */
const CONTENT_KEYS = new Set([
  "messages",
  "prompt",
  "input",
  "system",
  "tools",
  "functions",
  "suffix",
  "metadata",
]);
