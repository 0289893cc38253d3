import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import { CACHE_POINT, wantsCachePoint } from "./cache-point.js";
import type { ConverseTool, ConverseToolConfig } from "./converse-types.js";

type Json = Record<string, unknown>;

/**
 * Anthropic `tools` and `tool_choice` as a Converse `toolConfig`. Only client tools (no `type`, or
 * "custom") have a Converse equivalent; Anthropic server tools (web search, code execution, ...) run
 * inside Anthropic's API and are left out, as clients such as Claude Code attach them opportunistically.
 * tool_choice none: the tools are left out unless the history holds tool blocks, which Converse only
 * accepts with a toolConfig. Entries that are not objects, and a tool_choice that is not one of
 * Anthropic's (auto, any, tool, none), are refused.
 */
export function convertAnthropicToolsToConverse(
  tools: unknown,
  toolChoice: unknown,
  hasToolBlocks: boolean,
): ConverseToolConfig | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const choice = readToolChoice(toolChoice);
  if (choice?.type === "none" && !hasToolBlocks) return undefined;
  const converted: ConverseTool[] = [];
  for (const [i, entry] of tools.entries()) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new InvalidRequestError(`tools[${i}] must be an object`);
    }
    const tool = entry as Json;
    if (tool.type !== undefined && tool.type !== "custom") continue;
    if (typeof tool.name !== "string") throw new InvalidRequestError("tool without a name");
    const spec: { name: string; description?: string; inputSchema: { json: unknown } } = {
      name: tool.name,
      inputSchema: { json: tool.input_schema ?? { type: "object", properties: {} } },
    };
    if (typeof tool.description === "string" && tool.description !== "") spec.description = tool.description;
    converted.push({ toolSpec: spec });
    if (wantsCachePoint(tool)) converted.push(CACHE_POINT);
  }
  if (converted.length === 0) return undefined;
  const config: ConverseToolConfig = { tools: converted };
  switch (choice?.type) {
    case "auto":
      config.toolChoice = { auto: {} };
      break;
    case "any":
      config.toolChoice = { any: {} };
      break;
    case "tool":
      if (typeof choice.name !== "string")
        throw new InvalidRequestError("tool_choice of type tool needs a name");
      config.toolChoice = { tool: { name: choice.name } };
      break;
  }
  return config;
}

const TOOL_CHOICE_TYPES: ReadonlySet<unknown> = new Set(["auto", "any", "tool", "none"]);

function readToolChoice(toolChoice: unknown): Json | undefined {
  if (toolChoice === undefined || toolChoice === null) return undefined;
  if (typeof toolChoice !== "object" || Array.isArray(toolChoice)) {
    throw new InvalidRequestError("tool_choice must be an object");
  }
  const choice = toolChoice as Json;
  if (!TOOL_CHOICE_TYPES.has(choice.type)) {
    throw new InvalidRequestError(`unsupported tool_choice type: ${displayValue(choice.type)}`);
  }
  return choice;
}
