import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import {
  convertOpenAIAudioToGemini,
  convertOpenAIFileToGemini,
  convertOpenAIImageToGemini,
} from "./convert-openai-media-to-gemini.js";
import type { GeminiContent, GeminiPart } from "./gemini-types.js";

type Json = Record<string, unknown>;

export interface GeminiConversation {
  contents: GeminiContent[];
  /** The text of the system and developer messages, in order; empty when there were none. */
  system: GeminiPart[];
}

/**
 * OpenAI chat `messages` as Gemini `contents` and `systemInstruction` parts. system and developer
 * messages go to the system instruction, wherever they stand; user messages are role `user`, assistant
 * messages role `model` (tool calls as `functionCall` parts, with the thought signature a client sends
 * back in `extra_content.google.thought_signature`), tool messages `functionResponse` parts of a user
 * turn, named by the earlier tool call whose id they answer (Gemini matches results by name, OpenAI by
 * id). Consecutive turns of one role are merged: Gemini wants the results of parallel calls in one
 * turn, and alternating roles.
 */
export function convertOpenAIMessagesToGemini(input: unknown): GeminiConversation {
  if (!Array.isArray(input)) throw new InvalidRequestError("messages must be an array");
  const conversation: GeminiConversation = { contents: [], system: [] };
  /** tool call id -> function name, from the assistant messages seen so far. */
  const callNames = new Map<string, string>();
  for (const item of input) {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      throw new InvalidRequestError("each message must be an object");
    const message = item as Json;
    switch (message.role) {
      case "system":
      case "developer":
        conversation.system.push(...systemParts(message.content));
        break;
      case "user":
        append(conversation.contents, "user", userParts(message.content));
        break;
      case "assistant":
        append(conversation.contents, "model", assistantParts(message, callNames));
        break;
      case "tool":
        append(conversation.contents, "user", [toolResultPart(message, callNames)]);
        break;
      default:
        throw new InvalidRequestError(
          `unsupported message role "${displayValue(message.role)}" for GCP Vertex AI`,
        );
    }
  }
  return conversation;
}

function append(contents: GeminiContent[], role: "user" | "model", parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function systemParts(content: unknown): GeminiPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!Array.isArray(content))
    throw new InvalidRequestError("system message content must be a string or an array");
  return content.map((part: unknown) => {
    const p = part as Json | null;
    if (typeof p !== "object" || p === null || p.type !== "text" || typeof p.text !== "string")
      throw new InvalidRequestError("system message content parts must be text");
    return { text: p.text };
  });
}

function userParts(content: unknown): GeminiPart[] {
  if (typeof content === "string") return [{ text: content }];
  if (!Array.isArray(content))
    throw new InvalidRequestError("user message content must be a string or an array");
  return content.map((part: unknown) => {
    if (typeof part !== "object" || part === null)
      throw new InvalidRequestError("user message content parts must be objects");
    const p = part as Json;
    switch (p.type) {
      case "text":
        if (typeof p.text !== "string") throw new InvalidRequestError("text part without text");
        return { text: p.text };
      case "image_url":
        return convertOpenAIImageToGemini(p.image_url);
      case "input_audio":
        return convertOpenAIAudioToGemini(p.input_audio);
      case "file":
        return convertOpenAIFileToGemini(p.file);
      default:
        throw new InvalidRequestError(
          `content part type "${displayValue(p.type)}" is not supported by GCP Vertex AI`,
        );
    }
  });
}

function assistantParts(message: Json, callNames: Map<string, string>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") parts.push({ text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part !== "object" || part === null)
        throw new InvalidRequestError("assistant message content parts must be objects");
      const p = part as Json;
      if (p.type === "text" && typeof p.text === "string") {
        if (p.text !== "") parts.push({ text: p.text });
      } else if (p.type === "refusal" && typeof p.refusal === "string") {
        if (p.refusal !== "") parts.push({ text: p.refusal });
      } else {
        throw new InvalidRequestError(
          `assistant content part type "${displayValue(p.type)}" is not supported by GCP Vertex AI`,
        );
      }
    }
  } else if (content !== undefined && content !== null) {
    throw new InvalidRequestError("assistant message content must be a string, an array or null");
  }
  const calls = message.tool_calls;
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw new InvalidRequestError("assistant tool_calls must be an array");
    calls.forEach((call: unknown, i: number) => {
      parts.push(functionCallPart(call, i, callNames));
    });
  }
  return parts;
}

function functionCallPart(call: unknown, index: number, callNames: Map<string, string>): GeminiPart {
  if (typeof call !== "object" || call === null)
    throw new InvalidRequestError(`tool_calls[${index}] must be an object`);
  const c = call as Json;
  const fn = c.function as Json | null | undefined;
  if (typeof fn !== "object" || fn === null || typeof fn.name !== "string" || fn.name === "")
    throw new InvalidRequestError(`tool_calls[${index}] is missing function.name`);
  if (typeof c.id === "string" && c.id !== "") callNames.set(c.id, fn.name);
  const part: GeminiPart = { functionCall: { name: fn.name, args: parseArguments(fn.arguments, index) } };
  const google = ((c.extra_content as Json | null | undefined)?.google ?? undefined) as Json | undefined;
  if (typeof google?.thought_signature === "string" && google.thought_signature !== "")
    part.thoughtSignature = google.thought_signature;
  return part;
}

/** Gemini's `args` is a JSON object; OpenAI carries the arguments as a JSON string. */
function parseArguments(args: unknown, index: number): Record<string, unknown> {
  if (args === undefined || args === null || args === "") return {};
  if (typeof args !== "string")
    throw new InvalidRequestError(`tool_calls[${index}].function.arguments must be a string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new InvalidRequestError(`tool_calls[${index}].function.arguments is not valid JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new InvalidRequestError(
      `tool_calls[${index}].function.arguments must be a JSON object for GCP Vertex AI`,
    );
  return parsed as Record<string, unknown>;
}

/**
 * A tool message as a `functionResponse` part. Its text goes under `output`, the key Gemini's
 * documentation gives function results; the function's name is the one of the tool call it answers.
 */
function toolResultPart(message: Json, callNames: Map<string, string>): GeminiPart {
  const id = message.tool_call_id;
  if (typeof id !== "string" || id === "") throw new InvalidRequestError("tool message without tool_call_id");
  const name = callNames.get(id);
  if (name === undefined) {
    throw new InvalidRequestError(
      `tool message answers tool_call_id ${JSON.stringify(id)}, which no earlier assistant tool call has; GCP Vertex AI needs the function's name`,
    );
  }
  return { functionResponse: { name, response: { output: toolText(message.content) } } };
}

function toolText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content))
    throw new InvalidRequestError("tool message content must be a string or an array");
  return content
    .map((part: unknown) => {
      const p = part as Json | null;
      if (typeof p !== "object" || p === null || p.type !== "text" || typeof p.text !== "string")
        throw new InvalidRequestError("tool message content parts must be text for GCP Vertex AI");
      return p.text;
    })
    .join("");
}
