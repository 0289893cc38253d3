import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";

type Json = Record<string, unknown>;

/** Which Vertex AI method embeds for a model, and the body it takes. */
export interface VertexEmbeddingsRequest {
  method: "embedContent" | "predict";
  body: Json;
  /** How many inputs were sent (the answer must hold as many embeddings). */
  inputs: number;
}

/**
 * Gemini embedding models (`gemini-embedding-...`, and any `gemini-` model) use `:embedContent`,
 * which embeds one content per call; the older text-embedding-* and text-multilingual-embedding-*
 * models (and any other name) use `:predict`, which takes a batch of `instances`. OpenAI's
 * `dimensions` is `outputDimensionality`; the vendor fields `task_type` and `title` (Vertex's own
 * names) go with each input. Token-array inputs have no Vertex form and are refused.
 */
export function convertOpenAIEmbeddingsToVertex(body: Json, model: string): VertexEmbeddingsRequest {
  const texts = inputTexts(body.input);
  const taskType = optionalString(body, "task_type");
  const title = optionalString(body, "title");
  const dimensions = body.dimensions;
  if (
    dimensions !== undefined &&
    dimensions !== null &&
    (typeof dimensions !== "number" || !Number.isInteger(dimensions))
  )
    throw new InvalidRequestError(`dimensions ${displayValue(dimensions)} is not an integer`);

  if (model.startsWith("gemini-")) {
    if (texts.length !== 1) {
      throw new InvalidRequestError(
        `${model} embeds one input per request on GCP Vertex AI (:embedContent); got ${texts.length} inputs`,
      );
    }
    const request: Json = { content: { parts: [{ text: texts[0] }] } };
    if (taskType !== undefined) request.taskType = taskType;
    if (title !== undefined) request.title = title;
    if (typeof dimensions === "number") request.outputDimensionality = dimensions;
    return { method: "embedContent", body: request, inputs: 1 };
  }
  const instances = texts.map((content) => {
    const instance: Json = { content };
    if (taskType !== undefined) instance.task_type = taskType;
    if (title !== undefined) instance.title = title;
    return instance;
  });
  const request: Json = { instances };
  if (typeof dimensions === "number") request.parameters = { outputDimensionality: dimensions };
  return { method: "predict", body: request, inputs: texts.length };
}

function inputTexts(input: unknown): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === "string")) return input;
  if (Array.isArray(input) && input.length === 0) throw new InvalidRequestError("input must not be empty");
  throw new InvalidRequestError(
    "GCP Vertex AI embeds text: input must be a string or an array of strings (token arrays cannot be sent)",
  );
}

function optionalString(body: Json, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw new InvalidRequestError(`${key} ${displayValue(value)} is not a string`);
  return value;
}
