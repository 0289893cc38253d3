/** What a Claude model accepts of the request fields Claude Code sets by model. */
export interface ClaudeCapabilities {
  /** `thinking: {type: "adaptive"}`: Opus and Sonnet 4.6 and later, every 5th-generation model. */
  adaptiveThinking: boolean;
  /** `output_config.effort`: the adaptive-thinking models and Opus 4.5. */
  effort: boolean;
}

// claude-opus-4-6-v1, us.anthropic.claude-sonnet-4-5-20250929-v1:0, claude-opus-4-1@20250805,
// claude-opus-4-20250514 (no minor: the next number is a date).
const CURRENT_NAME = /claude-(opus|sonnet|haiku)-(\d{1,2})(?:[-.](\d{1,2})(?!\d))?/;
// claude-3-7-sonnet-20250219, claude-3-haiku-20240307: the naming of generation 3.
const GENERATION_3_NAME = /claude-\d(?:-\d)?-(?:opus|sonnet|haiku)|claude-v\d|claude-instant/;
const FIFTH_GENERATION_FAMILY = /claude-(?:mythos|fable)/;

/**
 * The capabilities a Claude model id (Anthropic's, Bedrock's or Vertex's spelling) implies, from
 * the model tables Anthropic and AWS publish; `undefined` when the id names no Claude version the
 * gateway can read (an inference-profile ARN, an alias): then the client's choice is left alone.
 */
export function claudeCapabilities(model: string): ClaudeCapabilities | undefined {
  const id = model.toLowerCase();
  if (FIFTH_GENERATION_FAMILY.test(id)) return { adaptiveThinking: true, effort: true };
  const current = CURRENT_NAME.exec(id);
  if (current) {
    const family = current[1];
    const major = Number(current[2]);
    const minor = current[3] === undefined ? 0 : Number(current[3]);
    const adaptiveThinking = major >= 5 || (major === 4 && minor >= 6 && family !== "haiku");
    const effort = adaptiveThinking || (family === "opus" && major === 4 && minor === 5);
    return { adaptiveThinking, effort };
  }
  if (GENERATION_3_NAME.test(id)) return { adaptiveThinking: false, effort: false };
  return undefined;
}
