import { findTopLevelValue } from "../util/find-top-level-value.js";
import { promptBlocks } from "./prompt-blocks.js";
import type { SequenceDemand } from "./replica-scheduler.js";
import type { JsonAnswer, StreamAnswer } from "./sim-answer.js";

const NO_BLOCKS: readonly number[] = [];

/**
 * What a request needs from the replica. The prompt is the raw JSON value of `promptField` as the
 * client sent it (chat: `messages`, so a shared system prompt gives shared leading blocks;
 * completions: `prompt`), read in place without re-serialising. Its blocks plus those of the
 * generated tokens are reserved up front, so a running sequence never runs out of cache. Without a
 * prompt field (embeddings) the request takes a slot and its prefill but no blocks.
 */
export function sequenceDemand(
  raw: Buffer,
  promptField: string | undefined,
  answer: JsonAnswer | StreamAnswer,
  model: string,
  adapter: string | undefined,
  blockSize: number,
): SequenceDemand {
  const span = promptField === undefined ? undefined : findTopLevelValue(raw, promptField);
  if (span === undefined) {
    return { hashes: NO_BLOCKS, promptTokens: answer.promptTokens, anonymousBlocks: 0, adapter };
  }
  const { tokens, hashes } = promptBlocks(raw, span.start, span.end, blockSize, model);
  const blocks = Math.ceil((tokens + answer.outputTokens) / blockSize);
  return { hashes, promptTokens: tokens, anonymousBlocks: blocks - hashes.length, adapter };
}

/** Blocks the sequence holds while it runs. */
export function demandBlocks(demand: SequenceDemand): number {
  return demand.hashes.length + demand.anonymousBlocks;
}
