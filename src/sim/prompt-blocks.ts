import { hashPrefixBlocks } from "../util/prefix-hash.js";

/**
 * Cuts a prompt into KV-cache blocks the way a prefix cache identifies them: `blockSize` tokens at
 * 4 bytes a token, each full block named by a hash chained over the previous block's hash (and the
 * model, as vLLM keys its cache per model and adapter), so equal prefixes give equal leading hashes:
 * the endpoint picker's own block hash (util/prefix-hash.ts).
 */
export const BYTES_PER_TOKEN = 4;

export interface PromptBlocks {
  /** The prompt's tokens at 4 bytes a token (rounded up). */
  readonly tokens: number;
  /** One hash per full block; a trailing partial block is never cached, as in vLLM. */
  readonly hashes: number[];
}

export function promptBlocks(
  bytes: Uint8Array,
  start: number,
  end: number,
  blockSize: number,
  model: string,
): PromptBlocks {
  const length = Math.max(0, end - start);
  const tokens = Math.ceil(length / BYTES_PER_TOKEN);
  const blockBytes = blockSize * BYTES_PER_TOKEN;
  const full = Math.floor(length / blockBytes);
  const out = new Float64Array(full);
  const n = hashPrefixBlocks(model, bytes.subarray(start, end), blockBytes, full, out);
  return { tokens, hashes: Array.from(out.subarray(0, n)) };
}
