import { promptBlocks } from "../../src/sim/prompt-blocks.js";
import type { ScheduledSequence, SequenceDemand } from "../../src/sim/replica-scheduler.js";

/** A sequence for scheduler tests: records when it started and what the cache gave it. */
export class FakeSequence implements ScheduledSequence {
  started: { cachedTokens: number; adapterReadyAt: number } | undefined;

  constructor(readonly demand: SequenceDemand) {}

  start(cachedTokens: number, adapterReadyAt: number): void {
    this.started = { cachedTokens, adapterReadyAt };
  }
}

/** A chat-like demand: `prompt` cut into 16-token blocks, plus room for `outputTokens`. */
export function fakeSequence(prompt: string, outputTokens = 16, adapter?: string): FakeSequence {
  const { tokens, hashes } = promptBlocks(Buffer.from(prompt), 0, prompt.length, 16, adapter ?? "base");
  const blocks = Math.ceil((tokens + outputTokens) / 16);
  return new FakeSequence({ hashes, promptTokens: tokens, anonymousBlocks: blocks - hashes.length, adapter });
}
