import type { TokenUsage } from "../../usage/token-usage.js";
import { UpstreamProtocolError } from "../translator.js";
import { convertGeminiUsage, openAIUsageOf } from "./convert-gemini-usage.js";
import type { GeminiCandidate, GeminiResponse } from "./gemini-types.js";
import { mapGeminiFinishReason } from "./map-gemini-finish-reason.js";
import { completionId, openAIToolCall, readGeminiCandidate } from "./read-gemini-candidate.js";

/**
 * A `generateContent` answer as an OpenAI `chat.completion`: one choice per candidate, answer text
 * as `content`, thought summaries as `reasoning_content`, function calls as `tool_calls`; the model is
 * Gemini's `modelVersion` when it names one. A prompt Gemini blocked (no candidates, a
 * `promptFeedback.blockReason`) is one empty choice with finish_reason content_filter. Counts usage.
 */
export function convertGeminiResponseToOpenAI(
  response: GeminiResponse,
  meta: { created: number; model: string },
  usage: TokenUsage,
): Record<string, unknown> {
  const candidates = response.candidates ?? [];
  if (!Array.isArray(candidates))
    throw new UpstreamProtocolError("GCP Vertex AI's candidates is not an array");
  const choices = candidates
    .filter((c): c is GeminiCandidate => typeof c === "object" && c !== null)
    .map((candidate, i) => {
      const content = readGeminiCandidate(candidate, i);
      const message: Record<string, unknown> = { role: "assistant", content: content.text ?? null };
      if (content.toolCalls.length > 0) message.tool_calls = content.toolCalls.map((c) => openAIToolCall(c));
      if (content.reasoning !== undefined) message.reasoning_content = content.reasoning;
      return {
        index: content.index,
        message,
        logprobs: null,
        finish_reason: mapGeminiFinishReason(content.finishReason, content.toolCalls.length > 0),
      };
    });
  if (choices.length === 0 && response.promptFeedback?.blockReason !== undefined) {
    choices.push({
      index: 0,
      message: { role: "assistant", content: null },
      logprobs: null,
      finish_reason: "content_filter",
    });
  }
  const json: Record<string, unknown> = {
    id: completionId(response.responseId),
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices,
  };
  if (typeof response.usageMetadata === "object" && response.usageMetadata !== null) {
    convertGeminiUsage(response.usageMetadata, usage);
    json.usage = openAIUsageOf(usage);
  }
  return json;
}
