import { InvalidRequestError } from "../translator.js";

type Json = Record<string, unknown>;

/**
 * The two request shapes of vLLM's /tokenize, which the gateway's /tokenize takes: a completion
 * prompt `{model, prompt}` or chat messages `{model, messages}` (OpenAI chat format). Translators to
 * other count-tokens APIs read it through this, so both shapes are checked the same way.
 */
export type TokenizeInput = { kind: "prompt"; prompt: string } | { kind: "messages"; messages: unknown[] };

export function readTokenizeInput(body: Json): TokenizeInput {
  if (body.messages !== undefined) {
    if (!Array.isArray(body.messages)) throw new InvalidRequestError("messages must be an array", 400);
    return { kind: "messages", messages: body.messages };
  }
  if (typeof body.prompt === "string") return { kind: "prompt", prompt: body.prompt };
  throw new InvalidRequestError("a tokenize request needs a string 'prompt' or a 'messages' array", 400);
}
