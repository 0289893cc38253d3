import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import { convertJsonSchemaToGemini, needsGeminiSchema } from "./convert-json-schema-to-gemini.js";
import { convertOpenAIMessagesToGemini } from "./convert-openai-messages-to-gemini.js";
import { convertOpenAIToolsToGemini } from "./convert-openai-tools-to-gemini.js";
import { convertReasoningToGemini } from "./convert-reasoning-to-gemini.js";
import type { GeminiRequest } from "./gemini-types.js";

type Json = Record<string, unknown>;

/** OpenAI sampling fields and the generationConfig field each becomes. */
const NUMBERS: readonly [string, string][] = [
  ["temperature", "temperature"],
  ["top_p", "topP"],
  ["seed", "seed"],
  ["n", "candidateCount"],
  ["presence_penalty", "presencePenalty"],
  ["frequency_penalty", "frequencyPenalty"],
  ["top_logprobs", "logprobs"],
];

/**
 * An OpenAI chat completions request as a Gemini `generateContent` body for `model`. The model and
 * the stream flag travel in the path. Mapped: messages (convertOpenAIMessagesToGemini), tools and
 * tool_choice, sampling (temperature, top_p, seed, n -> candidateCount, penalties, stop ->
 * stopSequences, max_completion_tokens or max_tokens -> maxOutputTokens, logprobs), response_format,
 * reasoning_effort and thinking (convertReasoningToGemini), and the vendor fields Gemini itself
 * defines, `safetySettings`, `labels` and `cachedContent`, as the client wrote them. Other OpenAI
 * fields (user, metadata, store, service_tier, parallel_tool_calls, ...) mean nothing to Gemini and
 * are not sent. A field of the wrong type is refused (422), naming it.
 */
export function convertOpenAIChatToGemini(body: Json, model: string): GeminiRequest {
  const conversation = convertOpenAIMessagesToGemini(body.messages);
  const request: GeminiRequest = { contents: conversation.contents };
  if (conversation.system.length > 0) request.systemInstruction = { parts: conversation.system };
  Object.assign(request, convertOpenAIToolsToGemini(body.tools, body.tool_choice, model));

  const config: Json = {};
  for (const [from, to] of NUMBERS) {
    const value = body[from];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value))
      throw new InvalidRequestError(`${from} ${displayValue(value)} is not a number`);
    config[to] = value;
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens))
      throw new InvalidRequestError(`max_completion_tokens ${displayValue(maxTokens)} is not an integer`);
    config.maxOutputTokens = maxTokens;
  }
  const stop = stopSequences(body.stop);
  if (stop !== undefined) config.stopSequences = stop;
  if (body.logprobs === true) config.responseLogprobs = true;
  Object.assign(config, responseFormat(body.response_format, model));
  const thinking = convertReasoningToGemini(body.reasoning_effort, body.thinking, model);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  if (Object.keys(config).length > 0) request.generationConfig = config;

  if (body.safetySettings !== undefined) request.safetySettings = body.safetySettings;
  if (body.labels !== undefined) request.labels = body.labels;
  if (typeof body.cachedContent === "string") request.cachedContent = body.cachedContent;
  return request;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === "string") return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === "string"))
    return stop.length > 0 ? stop : undefined;
  throw new InvalidRequestError("stop must be a string or an array of strings");
}

/**
 * response_format: text is Gemini's default; json_object asks for JSON (`responseMimeType`); a
 * json_schema is sent as `responseJsonSchema`, the JSON Schema as the client wrote it (Gemini 2.5 and
 * later read it; the older `responseSchema` takes only an OpenAPI subset that would lose $ref, anyOf
 * details and more). Models before 2.5 read only `responseSchema`: for them the schema is converted.
 */
function responseFormat(format: unknown, model: string): Json {
  if (format === undefined || format === null) return {};
  const f = (typeof format === "object" && !Array.isArray(format) ? format : {}) as Json;
  switch (f.type) {
    case "text":
      return {};
    case "json_object":
      return { responseMimeType: "application/json" };
    case "json_schema": {
      const schema = (f.json_schema as Json | null | undefined)?.schema;
      if (typeof schema !== "object" || schema === null || Array.isArray(schema))
        throw new InvalidRequestError(
          "response_format json_schema needs json_schema.schema, a JSON Schema object",
        );
      if (needsGeminiSchema(model))
        return { responseMimeType: "application/json", responseSchema: convertJsonSchemaToGemini(schema) };
      return { responseMimeType: "application/json", responseJsonSchema: schema };
    }
    default:
      throw new InvalidRequestError(
        `response_format type ${displayValue(f.type)} is not one of "text", "json_object" or "json_schema"`,
      );
  }
}
