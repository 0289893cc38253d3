/**
 * Cuts a prompt into KV-cache blocks the way a prefix cache identifies them: `blockSize` tokens at
 * 4 bytes a token, each full block named by a hash chained over the previous block's hash (and the
 * model, as vLLM keys its cache per model and adapter), so equal prefixes give equal leading hashes.
 * The hash is two FNV-1a lanes folded into 53 bits: cheap, allocation-free and, for the few
 * thousand blocks a simulated replica holds, practically collision-free.
 */
export const BYTES_PER_TOKEN = 4;

export interface PromptBlocks {
  /** The prompt's tokens at 4 bytes a token (rounded up). */
  readonly tokens: number;
  /** One hash per full block; a trailing partial block is never cached, as in vLLM. */
  readonly hashes: number[];
}

const FNV_PRIME = 0x01000193;
const LANE_B_OFFSET = 0x5bd1e995;

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
  const hashes: number[] = [];
  let a = 0x811c9dc5;
  let b = LANE_B_OFFSET;
  for (let i = 0; i < model.length; i++) {
    a = Math.imul(a ^ model.charCodeAt(i), FNV_PRIME);
    b = Math.imul(b ^ model.charCodeAt(i), FNV_PRIME);
  }
  for (let block = 0; block < full; block++) {
    // Carrying a and b over from the previous block is the chain.
    const from = start + block * blockBytes;
    for (let i = from; i < from + blockBytes; i++) {
      const byte = bytes[i]!;
      a = Math.imul(a ^ byte, FNV_PRIME);
      b = Math.imul(b ^ (byte + 0x9e), FNV_PRIME);
    }
    hashes.push((b >>> 11) * 4294967296 + (a >>> 0));
  }
  return { tokens, hashes };
}
