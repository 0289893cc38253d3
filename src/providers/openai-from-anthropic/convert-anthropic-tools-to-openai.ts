import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";

/**
 * Anthropic `tools` and `tool_choice` -> OpenAI `tools`, `tool_choice` and `parallel_tool_calls`.
 * Client tools become functions (`input_schema` is the parameters' JSON schema). Server tools
 * (web_search_*, bash_*, code_execution_*, ...) run at Anthropic and have no OpenAI counterpart;
 * they are left out, as Envoy AI Gateway does, so the model answers without them.
 * tool_choice: auto -> auto, any -> required, tool -> the named function, none -> none;
 * `disable_parallel_tool_use: true` -> `parallel_tool_calls: false`.
 */
export interface OpenAITools {
  tools: Record<string, unknown>[];
  toolChoice: unknown;
  parallelToolCalls: false | undefined;
}

export function convertAnthropicToolsToOpenAI(tools: unknown, toolChoice: unknown): OpenAITools | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw new InvalidRequestError("tools must be an array");
  const functions: Record<string, unknown>[] = [];
  for (const raw of tools) {
    const tool = (raw ?? {}) as Record<string, unknown>;
    const isClientTool = tool.type === undefined || tool.type === null || tool.type === "custom";
    if (!isClientTool) continue;
    if (typeof tool.name !== "string") throw new InvalidRequestError("tools[].name is required");
    const fn: Record<string, unknown> = { name: tool.name };
    if (typeof tool.description === "string") fn.description = tool.description;
    if (tool.input_schema !== undefined) fn.parameters = tool.input_schema;
    if (tool.strict === true) fn.strict = true;
    functions.push({ type: "function", function: fn });
  }
  if (functions.length === 0) return undefined;
  const choice = (toolChoice ?? undefined) as
    | { type?: unknown; name?: unknown; disable_parallel_tool_use?: unknown }
    | undefined;
  return {
    tools: functions,
    toolChoice: convertToolChoice(choice),
    parallelToolCalls: choice?.disable_parallel_tool_use === true ? false : undefined,
  };
}

function convertToolChoice(choice: { type?: unknown; name?: unknown } | undefined): unknown {
  if (choice === undefined) return undefined;
  switch (choice.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool":
      if (typeof choice.name !== "string") throw new InvalidRequestError("tool_choice.name is required");
      return { type: "function", function: { name: choice.name } };
    default:
      throw new InvalidRequestError(`unsupported tool_choice type: ${displayValue(choice.type)}`);
  }
}
