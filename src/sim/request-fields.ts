import { type ErrorAnswer, invalidRequest, optionalPositiveInteger } from "./sim-answer.js";

/** The fields every generating endpoint shares, read and checked once. */
export interface GenerationFields {
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** Choices per prompt (`n`). */
  readonly choices: number;
  /** Token steps per choice: the configured length capped by max_tokens / max_completion_tokens. */
  readonly tokens: number;
  /** "length" when the cap cut the answer short, else "stop". */
  readonly finishReason: "stop" | "length";
}

export function readGenerationFields(
  body: Record<string, unknown>,
  outputTokens: number,
  capFields: readonly string[],
): GenerationFields | ErrorAnswer {
  let cap: number | undefined;
  for (const field of capFields) {
    const value = optionalPositiveInteger(body, field);
    if (typeof value === "object") return value;
    if (value !== undefined && cap === undefined) cap = value;
  }
  const n = optionalPositiveInteger(body, "n");
  if (typeof n === "object") return n;
  if (n !== undefined && n > 128) {
    return invalidRequest(
      `Invalid 'n': integer above maximum value. Expected a value <= 128, but got ${n} instead.`,
      "n",
      "integer_above_max_value",
    );
  }
  const stream = body["stream"] === true;
  const streamOptions = body["stream_options"] as { include_usage?: unknown } | null | undefined;
  const tokens = cap === undefined ? outputTokens : Math.min(cap, outputTokens);
  return {
    stream,
    includeUsage: stream && streamOptions?.include_usage === true,
    choices: n ?? 1,
    tokens,
    finishReason: tokens < outputTokens ? "length" : "stop",
  };
}
