import { deterministicEmbedding, embeddingToBase64 } from "./deterministic-embedding.js";
import { promptItems } from "./estimate-prompt-tokens.js";
import {
  invalidRequest,
  isErrorAnswer,
  MISSING_MODEL,
  missingParameter,
  optionalPositiveInteger,
  type SimAnswer,
} from "./sim-answer.js";

/** text-embedding-3-small's width, the default when `dimensions` is absent. */
const DEFAULT_DIMENSIONS = 1536;
/** text-embedding-3-large's width, the largest OpenAI serves. */
const MAX_DIMENSIONS = 3072;

/** POST /v1/embeddings: one deterministic unit vector per input item, as floats or base64. */
export function buildEmbeddings(body: Record<string, unknown>): SimAnswer {
  const model = body["model"];
  if (typeof model !== "string" || model === "") return MISSING_MODEL;
  if (body["input"] === undefined) return missingParameter("input");
  const items = promptItems(body["input"]);
  if (!items || items.some((item) => item.key === "")) {
    return invalidRequest(
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
    );
  }
  const format = body["encoding_format"] ?? "float";
  if (format !== "float" && format !== "base64") {
    return invalidRequest(
      `Invalid value for 'encoding_format': expected one of 'float' or 'base64', but got ${JSON.stringify(format)} instead.`,
      "encoding_format",
      "invalid_value",
    );
  }
  const dimensions = optionalPositiveInteger(body, "dimensions");
  if (isErrorAnswer(dimensions)) return dimensions;
  if (dimensions !== undefined && dimensions > MAX_DIMENSIONS) {
    return invalidRequest(
      `Invalid 'dimensions': integer above maximum value. Expected a value <= ${MAX_DIMENSIONS}, but got ${dimensions} instead.`,
      "dimensions",
      "integer_above_max_value",
    );
  }
  const width = dimensions ?? DEFAULT_DIMENSIONS;
  const data = items.map((item, index) => {
    const vector = deterministicEmbedding(item.key, width);
    const embedding = format === "base64" ? embeddingToBase64(vector) : Array.from(vector);
    return { object: "embedding", index, embedding };
  });
  const promptTokens = items.reduce((sum, item) => sum + item.tokens, 0);
  const json = JSON.stringify({
    object: "list",
    data,
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
  // An embedding is one forward pass: it costs the time to first token and no decode steps.
  return { kind: "json", body: json, steps: 1, promptTokens, outputTokens: 0, finishReason: "stop" };
}
