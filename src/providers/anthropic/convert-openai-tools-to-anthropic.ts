import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";

/**
 * OpenAI `tools`, `tool_choice` and `parallel_tool_calls` -> Anthropic `tools` and `tool_choice`.
 * Function parameters are a JSON schema in both APIs; Anthropic names it `input_schema` and
 * requires one, so a function without parameters gets an empty object schema.
 * tool_choice: auto -> auto, required -> any, none -> none, a named function -> tool.
 * `parallel_tool_calls: false` becomes `disable_parallel_tool_use: true` on the choice (none
 * cannot carry it: no tool is called then anyway).
 */

export interface AnthropicTools {
  tools: Record<string, unknown>[];
  toolChoice: Record<string, unknown> | undefined;
}

const EMPTY_SCHEMA = { type: "object", properties: {} };

export function convertOpenAIToolsToAnthropic(
  tools: unknown,
  toolChoice: unknown,
  parallelToolCalls: unknown,
): AnthropicTools | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw new InvalidRequestError("tools must be an array");
  if (tools.length === 0) return undefined;
  const converted = tools.map(convertTool);
  let choice = convertToolChoice(toolChoice);
  if (parallelToolCalls === false) {
    choice ??= { type: "auto" };
    if (choice.type !== "none") choice.disable_parallel_tool_use = true;
  }
  return { tools: converted, toolChoice: choice };
}

function convertTool(tool: unknown): Record<string, unknown> {
  const t = (typeof tool === "object" && tool !== null ? tool : {}) as Record<string, unknown>;
  if (t.type !== "function") throw new InvalidRequestError(`unsupported tool type: ${displayValue(t.type)}`);
  const fn = t.function as Record<string, unknown> | undefined;
  if (!fn || typeof fn.name !== "string") throw new InvalidRequestError("tools[].function.name is required");
  // No `type`: a custom tool is the default, and leaving the field out suits every API version.
  const out: Record<string, unknown> = {
    name: fn.name,
    input_schema: fn.parameters ?? EMPTY_SCHEMA,
  };
  if (typeof fn.description === "string" && fn.description !== "") out.description = fn.description;
  if (fn.strict === true) out.strict = true;
  if (t.cache_control !== undefined) out.cache_control = t.cache_control;
  return out;
}

function convertToolChoice(choice: unknown): Record<string, unknown> | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === "string") {
    switch (choice) {
      case "auto":
        return { type: "auto" };
      case "required":
        return { type: "any" };
      case "none":
        return { type: "none" };
      default:
        throw new InvalidRequestError(`unsupported tool_choice: ${choice}`);
    }
  }
  const c = choice as { type?: unknown; function?: { name?: unknown } };
  if (c.type === "function" && typeof c.function?.name === "string") {
    return { type: "tool", name: c.function.name };
  }
  throw new InvalidRequestError(`unsupported tool_choice type: ${displayValue(c.type)}`);
}
