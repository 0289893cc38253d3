/**
 * What an endpoint builder decides, before any timing is applied. Builders are pure (request in,
 * answer out); deliver-answer.ts applies admission, the latency model and metrics.
 */
export type SimAnswer = JsonAnswer | StreamAnswer | ErrorAnswer;

interface AnswerAccounting {
  /** Prompt tokens over all choices/items, for usage metrics. */
  readonly promptTokens: number;
  /** Generated tokens over all choices, for usage metrics. */
  readonly outputTokens: number;
  /** For vllm:request_success_total{finished_reason}. */
  readonly finishReason: string;
}

export interface JsonAnswer extends AnswerAccounting {
  readonly kind: "json";
  readonly body: string;
  /** Token steps of the longest choice: the body is ready after ttft + tpot * (steps - 1). */
  readonly steps: number;
}

export interface StreamAnswer extends AnswerAccounting {
  readonly kind: "stream";
  /** SSE text; frame k is sent at ttft + tpot * k. The last frame ends with `data: [DONE]`. */
  readonly frames: readonly string[];
}

export interface ErrorAnswer {
  readonly kind: "error";
  readonly status: number;
  readonly message: string;
  readonly param: string | null;
  readonly code: string | null;
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null) {
  return { kind: "error", status: 400, message, param, code } as const satisfies ErrorAnswer;
}

export function missingParameter(param: string): ErrorAnswer {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
}

/** OpenAI's exact wording when `model` is absent. */
export const MISSING_MODEL = invalidRequest("you must provide a model parameter");

/** Reads an optional positive-integer field such as max_tokens; an ErrorAnswer when it is malformed. */
export function optionalPositiveInteger(
  body: Record<string, unknown>,
  field: string,
): number | undefined | ErrorAnswer {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return invalidRequest(`Invalid type for '${field}': expected an integer.`, field, "invalid_type");
  }
  if (value < 1) {
    return invalidRequest(
      `Invalid '${field}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`,
      field,
      "integer_below_min_value",
    );
  }
  return value;
}

export function isErrorAnswer(value: unknown): value is ErrorAnswer {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "error";
}
