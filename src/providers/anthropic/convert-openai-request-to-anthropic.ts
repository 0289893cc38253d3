import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import { convertOpenAIMessagesToAnthropic } from "./convert-openai-messages-to-anthropic.js";
import { convertOpenAIToolsToAnthropic } from "./convert-openai-tools-to-anthropic.js";

/**
 * Anthropic requires `max_tokens`; OpenAI does not. When a chat request sets neither
 * `max_completion_tokens` nor `max_tokens`, the gateway asks for 4096 tokens: enough for a
 * normal answer, and accepted by every Claude model (Envoy AI Gateway sends 0, which Anthropic
 * rejects). With extended thinking on, the default adds the thinking budget, since the budget
 * must stay below max_tokens.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** OpenAI reasoning_effort -> Anthropic output_config.effort; "none" asks for no effort setting. */
const EFFORT: Record<string, string | undefined> = {
  none: undefined,
  minimal: "low",
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: "xhigh",
  max: "max",
};

/**
 * An OpenAI chat completion request -> the Anthropic Messages parameters, apart from what depends on
 * the backend (`model`, `stream`, `anthropic_version`): those come first, from `head`.
 * Fields Anthropic has no counterpart for (seed, penalties, logprobs, ...) are left out.
 */
export function convertOpenAIRequestToAnthropic(
  body: Record<string, unknown>,
  head: Record<string, unknown>,
): Record<string, unknown> {
  if (typeof body.n === "number" && body.n > 1) {
    throw new InvalidRequestError("n > 1 is not supported by Anthropic");
  }
  const { system, messages } = convertOpenAIMessagesToAnthropic(body.messages);
  const out: Record<string, unknown> = { ...head, max_tokens: maxTokens(body), messages };
  if (system.length > 0) out.system = system;

  const tools = convertOpenAIToolsToAnthropic(body.tools, body.tool_choice, body.parallel_tool_calls);
  if (tools) {
    out.tools = tools.tools;
    if (tools.toolChoice) out.tool_choice = tools.toolChoice;
  }

  if (typeof body.stop === "string") out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) out.stop_sequences = body.stop;

  if (body.temperature !== undefined && body.temperature !== null) {
    const t = body.temperature;
    if (typeof t !== "number" || t < 0 || t > 1) {
      throw new InvalidRequestError(
        `temperature ${displayValue(t)} is not supported by Anthropic (must be between 0.0 and 1.0)`,
      );
    }
    out.temperature = t;
  }
  if (typeof body.top_p === "number") out.top_p = body.top_p;
  if (typeof body.user === "string" && body.user !== "") out.metadata = { user_id: body.user };
  if (typeof body.thinking === "object" && body.thinking !== null) out.thinking = body.thinking;

  const outputConfig = convertOutputConfig(body);
  if (outputConfig) out.output_config = outputConfig;
  return out;
}

function maxTokens(body: Record<string, unknown>): number {
  const explicit = body.max_completion_tokens ?? body.max_tokens;
  if (explicit !== undefined && explicit !== null) {
    if (typeof explicit !== "number" || !Number.isInteger(explicit) || explicit < 0) {
      throw new InvalidRequestError("max_tokens must be a non-negative integer");
    }
    return explicit;
  }
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (thinking?.type === "enabled" && typeof thinking.budget_tokens === "number") {
    return thinking.budget_tokens + DEFAULT_MAX_TOKENS;
  }
  return DEFAULT_MAX_TOKENS;
}

/**
 * `reasoning_effort` -> output_config.effort and a JSON-schema `response_format` ->
 * output_config.format. Both are forwarded whatever the model: a model without the feature
 * answers with Anthropic's own error, which is better than silently ignoring the request.
 */
function convertOutputConfig(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const config: Record<string, unknown> = {};
  if (typeof body.reasoning_effort === "string") {
    if (!Object.hasOwn(EFFORT, body.reasoning_effort)) {
      throw new InvalidRequestError(`unsupported reasoning_effort: ${body.reasoning_effort}`);
    }
    const effort = EFFORT[body.reasoning_effort];
    if (effort) config.effort = effort;
  }
  const format = body.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === "json_schema" && format.json_schema?.schema !== undefined) {
    config.format = { type: "json_schema", schema: format.json_schema.schema };
  }
  return Object.keys(config).length > 0 ? config : undefined;
}
