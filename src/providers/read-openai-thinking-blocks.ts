import { InvalidRequestError } from "./translator.js";

/**
 * Claude's extended-thinking blocks as an OpenAI chat client sends them back on an assistant
 * message: `thinking_blocks: [{type:"thinking",thinking,signature}, {type:"redacted_thinking",data}]`,
 * the LiteLLM convention the gateway answers with. Read and checked here once for every target that
 * takes them back (Anthropic Messages, Bedrock Converse); each target decides what it requires and
 * writes its own block shape.
 */
export type OpenAIThinkingBlock =
  /** `signature` is undefined when the client sent none (null and "" count as none). */
  | { type: "thinking"; thinking: string; signature: string | undefined }
  | { type: "redacted_thinking"; data: string };

/** How errors name entry `index` of an assistant message's `thinking_blocks`. */
export function thinkingBlockName(index: number): string {
  return `assistant thinking_blocks[${index}]`;
}

/** An assistant message's `thinking_blocks` (absent or null: none). */
export function readThinkingBlocks(value: unknown): OpenAIThinkingBlock[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidRequestError("assistant thinking_blocks must be an array");
  return value.map((block, i) => readThinkingBlock(block, thinkingBlockName(i)));
}

/**
 * One block; `where` names it in errors. Malformed blocks are refused rather than dropped or sent on:
 * the upstream would reject them with an error that does not say which client field was wrong.
 */
export function readThinkingBlock(block: unknown, where: string): OpenAIThinkingBlock {
  const b = (typeof block === "object" && block !== null ? block : {}) as Record<string, unknown>;
  switch (b.type) {
    case "thinking": {
      // Missing text is read as empty: a client that was streamed a signature but no thinking text
      // sends back what it has, and the upstream checks it against the signature.
      const thinking = b.thinking ?? "";
      if (typeof thinking !== "string") throw new InvalidRequestError(`${where}.thinking must be a string`);
      const signature = b.signature ?? "";
      if (typeof signature !== "string") {
        throw new InvalidRequestError(
          `${where}.signature must be a string, the signature returned with the thinking block`,
        );
      }
      return { type: "thinking", thinking, signature: signature === "" ? undefined : signature };
    }
    case "redacted_thinking":
      if (typeof b.data !== "string" || b.data === "") {
        throw new InvalidRequestError(
          `${where} (redacted_thinking) needs data, the encrypted string returned with the block`,
        );
      }
      return { type: "redacted_thinking", data: b.data };
    default:
      throw new InvalidRequestError(
        `${where} has type ${JSON.stringify(b.type ?? null)}; expected "thinking" or "redacted_thinking"`,
      );
  }
}
