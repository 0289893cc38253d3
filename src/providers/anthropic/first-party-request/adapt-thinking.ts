import type { FieldNotice } from "../../translator.js";
import type { ClaudeCapabilities } from "./claude-model-capabilities.js";

type Json = Record<string, unknown>;

/** The smallest thinking budget Claude takes; the budget must also stay below max_tokens. */
const MIN_THINKING_BUDGET = 1024;

/**
 * `thinking: {type: "adaptive"}` for a model that has no adaptive thinking (Claude Code sends it
 * for its default model; a route's modelNameOverride may send the request to an older one, which
 * answers 400). It becomes manual extended thinking with the largest budget max_tokens leaves,
 * max_tokens - 1, the budget Claude Code itself sends such models. Without room for the minimum
 * budget, thinking is dropped. Anything else is returned as it is.
 */
export function adaptThinking(
  thinking: unknown,
  maxTokens: unknown,
  messages: unknown,
  capabilities: ClaudeCapabilities | undefined,
  notices: FieldNotice[],
): unknown {
  if (capabilities === undefined || capabilities.adaptiveThinking) return thinking;
  if (typeof thinking !== "object" || thinking === null || (thinking as Json).type !== "adaptive") {
    return thinking;
  }
  if (answersToolCallWithoutThinking(messages)) {
    // With manual thinking on, Claude refuses a tool result whose assistant turn does not start with
    // its thinking; adaptive thinking may well have skipped it. Without thinking the turn is valid.
    notices.push({
      field: "thinking",
      action: "dropped",
      detail:
        "adaptive thinking is not offered by this model, and the tool turn being answered has no thinking block to continue",
    });
    return undefined;
  }
  if (typeof maxTokens === "number" && maxTokens > MIN_THINKING_BUDGET) {
    const budget = maxTokens - 1;
    notices.push({
      field: "thinking",
      action: "mapped",
      detail: `adaptive thinking is not offered by this model: sent as enabled with budget_tokens ${budget} (max_tokens - 1)`,
    });
    return { type: "enabled", budget_tokens: budget };
  }
  notices.push({
    field: "thinking",
    action: "dropped",
    detail: `adaptive thinking is not offered by this model and max_tokens leaves no room for a ${MIN_THINKING_BUDGET}-token budget`,
  });
  return undefined;
}

/** Does the last message answer tool calls of an assistant turn that does not open with thinking? */
function answersToolCallWithoutThinking(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length < 2) return false;
  const last = messages[messages.length - 1] as Json | null;
  const content = last?.content;
  if (last?.role !== "user" || !Array.isArray(content)) return false;
  if (!content.some((block) => (block as Json | null)?.type === "tool_result")) return false;
  const turn = (messages[messages.length - 2] as Json | null)?.content;
  const first = Array.isArray(turn) ? (turn[0] as Json | null)?.type : undefined;
  return first !== "thinking" && first !== "redacted_thinking";
}
