import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import { convertJsonSchemaToGemini, needsGeminiSchema } from "./convert-json-schema-to-gemini.js";
import type { GeminiRequest } from "./gemini-types.js";

type Json = Record<string, unknown>;

/**
 * OpenAI `tools` as one Gemini tool of `functionDeclarations`, and `tool_choice` as
 * `toolConfig.functionCallingConfig`: auto -> AUTO, none -> NONE, required -> ANY, a named function ->
 * ANY limited to that name. A function's `parameters` go as `parametersJsonSchema`, the JSON Schema
 * as the client wrote it: Gemini's older `parameters` field takes only an OpenAPI subset, and
 * converting to it would drop what it cannot say. Models before Gemini 2.5 read only that field, so
 * for them the schema is converted (convertJsonSchemaToGemini). Tool types other than function are refused.
 * `parallel_tool_calls` has no Gemini counterpart (Gemini decides) and is not sent.
 */
export function convertOpenAIToolsToGemini(
  tools: unknown,
  toolChoice: unknown,
  model: string,
): Pick<GeminiRequest, "tools" | "toolConfig"> {
  const out: Pick<GeminiRequest, "tools" | "toolConfig"> = {};
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw new InvalidRequestError("tools must be an array");
    const declarations = tools.map((tool: unknown, i: number) => functionDeclaration(tool, i, model));
    if (declarations.length > 0) out.tools = [{ functionDeclarations: declarations }];
  }
  if (toolChoice !== undefined && toolChoice !== null) out.toolConfig = toolConfig(toolChoice);
  return out;
}

function functionDeclaration(tool: unknown, index: number, model: string): Json {
  if (typeof tool !== "object" || tool === null || Array.isArray(tool))
    throw new InvalidRequestError(`tools[${index}] must be an object`);
  const t = tool as Json;
  if (t.type !== "function") {
    throw new InvalidRequestError(
      `tools[${index}] has type "${displayValue(t.type)}"; GCP Vertex AI takes function tools`,
    );
  }
  const fn = t.function as Json | null | undefined;
  if (typeof fn !== "object" || fn === null || typeof fn.name !== "string" || fn.name === "")
    throw new InvalidRequestError(`tools[${index}].function.name is required`);
  const declaration: Json = { name: fn.name };
  if (typeof fn.description === "string") declaration.description = fn.description;
  // Sent as written: Vertex validates the schema and says what is wrong with it.
  if (fn.parameters !== undefined && fn.parameters !== null) {
    if (needsGeminiSchema(model)) declaration.parameters = convertJsonSchemaToGemini(fn.parameters);
    else declaration.parametersJsonSchema = fn.parameters;
  }
  return declaration;
}

function toolConfig(choice: unknown): NonNullable<GeminiRequest["toolConfig"]> {
  switch (choice) {
    case "auto":
      return { functionCallingConfig: { mode: "AUTO" } };
    case "none":
      return { functionCallingConfig: { mode: "NONE" } };
    case "required":
      return { functionCallingConfig: { mode: "ANY" } };
  }
  const c = (typeof choice === "object" && choice !== null && !Array.isArray(choice) ? choice : {}) as Json;
  const name = (c.function as Json | null | undefined)?.name;
  if (c.type === "function" && typeof name === "string" && name !== "")
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [name] } };
  throw new InvalidRequestError(
    `tool_choice ${JSON.stringify(choice)} is not one of "auto", "none", "required" or {"type":"function","function":{"name":...}}`,
  );
}
