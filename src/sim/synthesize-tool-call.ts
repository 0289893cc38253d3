/**
 * Picks the function a tool_choice forces and makes up arguments that satisfy its JSON-schema
 * `parameters` in shape: every required property (or every property when none is marked required)
 * gets a plausible value of its type, so clients can JSON.parse and dispatch the call.
 */
export interface SynthesizedCall {
  readonly name: string;
  /** A JSON object as text, as OpenAI sends `function.arguments`. */
  readonly arguments: string;
}

interface FunctionTool {
  type?: unknown;
  function?: { name?: unknown; parameters?: unknown };
}

/**
 * The forced call, or undefined when the model is free to answer in text (no tools, tool_choice
 * absent, "auto" or "none").
 */
export function forcedToolCall(tools: unknown, toolChoice: unknown): SynthesizedCall | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const functions = (tools as FunctionTool[]).filter(
    (tool) => tool?.type === "function" && typeof tool.function?.name === "string",
  );
  if (functions.length === 0) return undefined;
  let chosen: FunctionTool | undefined;
  if (toolChoice === "required") {
    chosen = functions[0];
  } else if (typeof toolChoice === "object" && toolChoice !== null) {
    const name = (toolChoice as { function?: { name?: unknown } }).function?.name;
    if (typeof name !== "string") return undefined;
    chosen = functions.find((tool) => tool.function?.name === name) ?? { function: { name } };
  }
  if (!chosen) return undefined;
  const fn = chosen.function!;
  return { name: fn.name as string, arguments: JSON.stringify(sampleObject(fn.parameters, 0)) };
}

type Schema = {
  type?: unknown;
  properties?: Record<string, unknown>;
  required?: unknown;
  enum?: unknown;
  items?: unknown;
};

/** Nesting bound: recursive schemas must not recurse forever. */
const MAX_DEPTH = 4;

function sampleObject(schema: unknown, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = (schema as Schema | null)?.properties;
  if (!properties || typeof properties !== "object" || depth >= MAX_DEPTH) return result;
  const required = (schema as Schema).required;
  const names = Array.isArray(required) && required.length > 0 ? required : Object.keys(properties);
  for (const name of names) {
    if (typeof name === "string") result[name] = sampleValue(properties[name], name, depth + 1);
  }
  return result;
}

function sampleValue(schema: unknown, name: string, depth: number): unknown {
  const s = (schema ?? {}) as Schema;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return depth >= MAX_DEPTH ? [] : [sampleValue(s.items, name, depth + 1)];
    case "object":
      return sampleObject(s, depth);
    case "null":
      return null;
    default:
      return `sample ${name}`;
  }
}
