import { answerText, answerToken } from "./canned-answer.js";
import { estimateChatPromptTokens } from "./estimate-prompt-tokens.js";
import { chatUsage } from "./openai-usage.js";
import { type GenerationFields, readGenerationFields } from "./request-fields.js";
import { chatCompletionId, SYSTEM_FINGERPRINT, toolCallId } from "./response-ids.js";
import {
  invalidRequest,
  isErrorAnswer,
  MISSING_MODEL,
  missingParameter,
  type SimAnswer,
} from "./sim-answer.js";
import { forcedToolCall, type SynthesizedCall } from "./synthesize-tool-call.js";

const ROLE_DELTA = '{"role":"assistant","content":"","refusal":null}';

/** POST /v1/chat/completions: a canned text answer, or a tool call when tool_choice forces one. */
export function buildChatCompletion(body: Record<string, unknown>, outputTokens: number): SimAnswer {
  const model = body["model"];
  if (typeof model !== "string" || model === "") return MISSING_MODEL;
  const messages = body["messages"];
  if (messages === undefined) return missingParameter("messages");
  if (!Array.isArray(messages)) {
    return invalidRequest(
      "Invalid type for 'messages': expected an array of objects.",
      "messages",
      "invalid_type",
    );
  }
  if (messages.length === 0) {
    return invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "messages",
      "empty_array",
    );
  }
  const fields = readGenerationFields(body, outputTokens, ["max_completion_tokens", "max_tokens"]);
  if (isErrorAnswer(fields)) return fields;
  const request: ChatRequest = {
    model,
    fields,
    promptTokens: estimateChatPromptTokens(messages, body["tools"]),
    id: chatCompletionId(),
    created: Math.floor(Date.now() / 1000),
  };
  const call = forcedToolCall(body["tools"], body["tool_choice"]);
  if (call) return fields.stream ? streamToolCall(request, call) : jsonToolCall(request, call);
  return fields.stream ? streamText(request) : jsonText(request);
}

interface ChatRequest {
  readonly model: string;
  readonly fields: GenerationFields;
  readonly promptTokens: number;
  readonly id: string;
  readonly created: number;
}

function jsonText(req: ChatRequest): SimAnswer {
  const { tokens, choices, finishReason } = req.fields;
  const content = answerText(tokens);
  const message = { role: "assistant", content, refusal: null, annotations: [] };
  return jsonCompletion(req, choices, () => message, finishReason, tokens);
}

function jsonToolCall(req: ChatRequest, call: SynthesizedCall): SimAnswer {
  const steps = argumentPieces(call.arguments).length;
  const message = () => ({
    role: "assistant",
    content: null,
    refusal: null,
    annotations: [],
    tool_calls: [
      { id: toolCallId(), type: "function", function: { name: call.name, arguments: call.arguments } },
    ],
  });
  return jsonCompletion(req, req.fields.choices, message, "tool_calls", steps);
}

function jsonCompletion(
  req: ChatRequest,
  choiceCount: number,
  message: () => unknown,
  finishReason: string,
  steps: number,
): SimAnswer {
  const choices = [];
  for (let index = 0; index < choiceCount; index++) {
    choices.push({ index, message: message(), logprobs: null, finish_reason: finishReason });
  }
  const outputTokens = steps * choiceCount;
  const body = JSON.stringify({
    id: req.id,
    object: "chat.completion",
    created: req.created,
    model: req.model,
    choices,
    usage: chatUsage(req.promptTokens, outputTokens),
    service_tier: "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
  return { kind: "json", body, steps, promptTokens: req.promptTokens, outputTokens, finishReason };
}

function streamText(req: ChatRequest): SimAnswer {
  const { tokens, finishReason } = req.fields;
  const deltas = [];
  for (let k = 0; k < tokens; k++) deltas.push(`{"content":${JSON.stringify(answerToken(k))}}`);
  return streamCompletion(req, () => ROLE_DELTA, deltas, finishReason);
}

/** Arguments stream as a header delta (id, name, empty arguments) and then pieces of the JSON text. */
function streamToolCall(req: ChatRequest, call: SynthesizedCall): SimAnswer {
  const name = JSON.stringify(call.name);
  const first = () =>
    `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${toolCallId()}","type":"function","function":{"name":${name},"arguments":""}}],"refusal":null}`;
  const deltas = argumentPieces(call.arguments).map(
    (piece) => `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(piece)}}}]}`,
  );
  return streamCompletion(req, first, deltas, "tool_calls");
}

/**
 * Frame 0 carries each choice's opening delta and first step, frame k each choice's step k, and the
 * last frame also the finish chunks, the usage chunk when asked for, and [DONE]: the shape and order
 * OpenAI streams in.
 */
function streamCompletion(
  req: ChatRequest,
  openingDelta: () => string,
  stepDeltas: readonly string[],
  finishReason: string,
): SimAnswer {
  const { choices, includeUsage } = req.fields;
  const head = `data: {"id":"${req.id}","object":"chat.completion.chunk","created":${req.created},"model":${JSON.stringify(req.model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  // OpenAI puts "usage":null on every chunk once usage was requested.
  const tail = includeUsage ? '],"usage":null}\n\n' : "]}\n\n";
  const chunk = (index: number, delta: string, finish: string | null) =>
    `${head}{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? "null" : `"${finish}"`}}${tail}`;

  const frames: string[] = [];
  for (let k = 0; k < stepDeltas.length; k++) {
    let frame = "";
    for (let index = 0; index < choices; index++) {
      if (k === 0) frame += chunk(index, openingDelta(), null);
      frame += chunk(index, stepDeltas[k]!, null);
    }
    frames.push(frame);
  }
  let ending = "";
  for (let index = 0; index < choices; index++) ending += chunk(index, "{}", finishReason);
  const outputTokens = stepDeltas.length * choices;
  if (includeUsage) {
    ending += `${head}],"usage":${JSON.stringify(chatUsage(req.promptTokens, outputTokens))}}\n\n`;
  }
  ending += "data: [DONE]\n\n";
  if (frames.length === 0) frames.push(ending);
  else frames[frames.length - 1] += ending;
  return { kind: "stream", frames, promptTokens: req.promptTokens, outputTokens, finishReason };
}

/** Tool arguments are "generated" four characters (about one token) at a time. */
function argumentPieces(args: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < args.length; i += 4) pieces.push(args.slice(i, i + 4));
  return pieces;
}
