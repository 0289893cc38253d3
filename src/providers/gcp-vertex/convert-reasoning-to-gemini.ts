import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";

/** reasoning_effort as a Gemini 2.5 thinking budget in tokens (2.5 models take a budget, not a level). */
const BUDGETS: Readonly<Record<string, number>> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/** reasoning_effort as a Gemini 3 thinking level (Gemini 3 cannot turn thinking off). */
const LEVELS: Readonly<Record<string, string>> = {
  minimal: "MINIMAL",
  low: "LOW",
  medium: "MEDIUM",
  high: "HIGH",
};

/**
 * OpenAI's `reasoning_effort` and the `thinking` object some clients send (Anthropic's shape:
 * `{type:"enabled",budget_tokens}` / `{type:"disabled"}`) as Gemini's `thinkingConfig`.
 * Gemini 3 models (`gemini-3...`) take `thinkingLevel`; earlier ones a `thinkingBudget` (BUDGETS).
 * `thinking` enabled also asks for thought summaries (`includeThoughts`), which come back as
 * reasoning_content; it wins over reasoning_effort where both say something.
 */
export function convertReasoningToGemini(
  effort: unknown,
  thinking: unknown,
  model: string,
): Record<string, unknown> | undefined {
  let config: Record<string, unknown> | undefined;
  if (effort !== undefined && effort !== null) {
    if (typeof effort !== "string" || BUDGETS[effort] === undefined)
      throw new InvalidRequestError(
        `reasoning_effort ${displayValue(effort)} is not one of none, minimal, low, medium, high`,
      );
    if (/^gemini-3/.test(model)) {
      const level = LEVELS[effort];
      if (level === undefined)
        throw new InvalidRequestError(
          `reasoning_effort "${effort}" cannot be expressed for ${model}: Gemini 3 always thinks`,
        );
      config = { thinkingLevel: level };
    } else {
      config = { thinkingBudget: BUDGETS[effort] };
    }
  }
  if (thinking !== undefined && thinking !== null) {
    const t = (typeof thinking === "object" && !Array.isArray(thinking) ? thinking : {}) as Record<
      string,
      unknown
    >;
    if (t.type === "enabled") {
      config = { ...config, includeThoughts: true };
      if (typeof t.budget_tokens === "number") {
        delete config.thinkingLevel;
        config.thinkingBudget = t.budget_tokens;
      }
    } else if (t.type === "disabled") {
      config = { thinkingBudget: 0 };
    } else {
      throw new InvalidRequestError(`thinking type ${displayValue(t.type)} is not "enabled" or "disabled"`);
    }
  }
  return config;
}
