import type { OpenAIUsage } from "../openai/convert-openai-usage.js";
import { convertOpenAIUsageToAnthropic } from "./convert-openai-usage-to-anthropic.js";
import { mapOpenAIFinishReason } from "./map-openai-finish-reason.js";

export interface ChatCompletion {
  id?: string;
  model?: string;
  choices?: {
    message?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] | null;
    };
    finish_reason?: string | null;
  }[];
  usage?: OpenAIUsage | null;
}

/**
 * An OpenAI chat.completion -> an Anthropic Message. Blocks come in Anthropic's order: reasoning
 * (`reasoning_content`, or `reasoning` as some servers name it) as a thinking block, then text,
 * then one tool_use per tool call with the arguments parsed back into an object (arguments cut
 * off mid-JSON become {}). Only the first choice is used: Anthropic has no `n`.
 */
export function convertChatCompletionToAnthropicMessage(
  completion: ChatCompletion,
  model: string,
): Record<string, unknown> {
  const choice = completion.choices?.[0];
  const message = typeof choice?.message === "object" && choice.message !== null ? choice.message : undefined;
  const content: Record<string, unknown>[] = [];
  const reasoning = message?.reasoning_content ?? message?.reasoning;
  if (typeof reasoning === "string" && reasoning !== "") {
    content.push({ type: "thinking", thinking: reasoning, signature: "" });
  }
  if (typeof message?.content === "string" && message.content !== "") {
    content.push({ type: "text", text: message.content });
  }
  const calls = message?.tool_calls;
  for (const call of Array.isArray(calls) ? calls : []) {
    if (typeof call !== "object" || call === null) continue;
    content.push({
      type: "tool_use",
      id: typeof call.id === "string" ? call.id : "",
      name: typeof call.function?.name === "string" ? call.function.name : "",
      input: parseToolInput(call.function?.arguments),
    });
  }
  return {
    id: typeof completion.id === "string" ? completion.id : "",
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: mapOpenAIFinishReason(choice?.finish_reason),
    stop_sequence: null,
    usage: convertOpenAIUsageToAnthropic(
      typeof completion.usage === "object" && completion.usage !== null ? completion.usage : {},
    ),
  };
}

function parseToolInput(args: unknown): unknown {
  if (typeof args !== "string" || args === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
