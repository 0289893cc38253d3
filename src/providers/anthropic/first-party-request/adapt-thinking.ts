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
  capabilities: ClaudeCapabilities | undefined,
  notices: FieldNotice[],
): unknown {
  if (capabilities === undefined || capabilities.adaptiveThinking) return thinking;
  if (typeof thinking !== "object" || thinking === null || (thinking as Json).type !== "adaptive") {
    return thinking;
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
