import { randomUUID } from "node:crypto";
import type { GeminiCandidate } from "./gemini-types.js";

/** One function call of a candidate, as an OpenAI tool call carries it. */
export interface GeminiToolCall {
  id: string;
  name: string;
  /** The arguments as a JSON string (Gemini sends an object). */
  arguments: string;
  /** Gemini 3's signature on the call, which it wants back next turn. */
  thoughtSignature: string | undefined;
}

/** What one candidate (or one streamed piece of it) holds, by OpenAI field. */
export interface CandidateContent {
  index: number;
  /** Answer text, undefined when there was none. */
  text: string | undefined;
  /** Thought summaries (parts with `thought: true`), undefined when there were none. */
  reasoning: string | undefined;
  toolCalls: GeminiToolCall[];
  finishReason: unknown;
}

/**
 * A candidate's parts sorted into answer text, reasoning and function calls. Members of the wrong
 * type from a broken upstream are read as absent. Gemini gives calls no id, and OpenAI clients need
 * one to answer them: each gets a fresh `call_<uuid>` (random, so ids never repeat within a
 * conversation; the request side maps them back to names from the conversation itself).
 */
export function readGeminiCandidate(candidate: GeminiCandidate, position: number): CandidateContent {
  const out: CandidateContent = {
    index: typeof candidate.index === "number" ? candidate.index : position,
    text: undefined,
    reasoning: undefined,
    toolCalls: [],
    finishReason: candidate.finishReason,
  };
  const parts = candidate.content?.parts;
  if (!Array.isArray(parts)) return out;
  for (const part of parts) {
    if (typeof part !== "object" || part === null) continue;
    const p = part as Record<string, unknown>;
    if (typeof p.text === "string") {
      if (p.thought === true) out.reasoning = (out.reasoning ?? "") + p.text;
      else out.text = (out.text ?? "") + p.text;
    }
    const call = p.functionCall as { name?: unknown; args?: unknown } | null | undefined;
    if (typeof call === "object" && call !== null && typeof call.name === "string") {
      out.toolCalls.push({
        id: newToolCallId(),
        name: call.name,
        arguments: JSON.stringify(typeof call.args === "object" && call.args !== null ? call.args : {}),
        thoughtSignature:
          typeof p.thoughtSignature === "string" && p.thoughtSignature !== ""
            ? p.thoughtSignature
            : undefined,
      });
    }
  }
  return out;
}

export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll("-", "")}`;
}

/** An OpenAI tool call for `call`; `index` is set for stream deltas. */
export function openAIToolCall(call: GeminiToolCall, index?: number): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (index !== undefined) json.index = index;
  json.id = call.id;
  json.type = "function";
  json.function = { name: call.name, arguments: call.arguments };
  // Google's own OpenAI-compatible endpoint carries the signature here; clients send it back as is.
  if (call.thoughtSignature !== undefined)
    json.extra_content = { google: { thought_signature: call.thoughtSignature } };
  return json;
}

/** The chat.completion id: Gemini's responseId when it sent one. */
export function completionId(responseId: unknown): string {
  return typeof responseId === "string" && responseId !== ""
    ? responseId
    : `chatcmpl-${randomUUID().replaceAll("-", "")}`;
}
