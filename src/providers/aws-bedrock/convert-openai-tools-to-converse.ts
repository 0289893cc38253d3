import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import { CACHE_POINT, wantsCachePoint } from "./cache-point.js";
import type { ConverseTool, ConverseToolConfig } from "./converse-types.js";

type Json = Record<string, unknown>;

/** Converse requires a JSON schema for every tool; a function without parameters takes none. */
const NO_PARAMETERS = Object.freeze({ type: "object", properties: {} });

/**
 * OpenAI `tools` and `tool_choice` as a Converse `toolConfig`: auto -> auto, required -> any, a named
 * function -> tool. Converse has no "none": the tools are then left out, unless the history holds
 * tool blocks, which Converse only accepts with a toolConfig (the model then chooses freely).
 */
export function convertOpenAIToolsToConverse(
  tools: unknown,
  toolChoice: unknown,
  model: string,
  hasToolBlocks: boolean,
): ConverseToolConfig | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  if (toolChoice === "none" && !hasToolBlocks) return undefined;
  const converted: ConverseTool[] = [];
  for (const tool of tools as Json[]) {
    if (tool?.type !== "function") {
      throw new InvalidRequestError(
        `tool type "${displayValue(tool?.type)}" is not supported by AWS Bedrock`,
      );
    }
    const fn = tool.function as Json | undefined;
    if (typeof fn?.name !== "string") throw new InvalidRequestError("function tool without a name");
    const spec: { name: string; description?: string; inputSchema: { json: unknown } } = {
      name: fn.name,
      inputSchema: { json: fn.parameters ?? NO_PARAMETERS },
    };
    if (typeof fn.description === "string" && fn.description !== "") spec.description = fn.description;
    converted.push({ toolSpec: spec });
    // The Tool member is a union too: a cache point is its own entry.
    if (wantsCachePoint(fn) || wantsCachePoint(tool)) converted.push(CACHE_POINT);
  }
  const config: ConverseToolConfig = { tools: converted };
  const choice = convertToolChoice(toolChoice, model);
  if (choice !== undefined) config.toolChoice = choice;
  return config;
}

function convertToolChoice(toolChoice: unknown, model: string): ConverseToolConfig["toolChoice"] {
  if (toolChoice === undefined || toolChoice === null || toolChoice === "none") return undefined;
  if (toolChoice === "auto") return { auto: {} };
  if (toolChoice === "required") return { any: {} };
  if (typeof toolChoice === "string") {
    // A bare tool name: honoured for Claude, the one Bedrock family that can force a specific tool.
    if (model.includes("anthropic") && model.includes("claude")) return { tool: { name: toolChoice } };
    throw new InvalidRequestError(`tool_choice "${toolChoice}" is not supported by AWS Bedrock`);
  }
  const named = toolChoice as Json;
  const name = (named.function as Json | undefined)?.name;
  if (named.type === "function" && typeof name === "string") return { tool: { name } };
  throw new InvalidRequestError("this tool_choice is not supported by AWS Bedrock");
}
