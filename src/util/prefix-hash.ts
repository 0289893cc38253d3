/**
 * Block hashes of a prompt for prefix-cache affinity. The reference (llm-d-router's approximate
 * prefix producer) chains xxHash64 over blocks of `blockSizeTokens x 4` characters; this hashes the
 * same blocks with two 32-bit murmur3-style lanes (Math.imul, one 32-bit word a step, no crypto)
 * and emits the running state at every block boundary, so block i's hash depends on the model name
 * and on every byte before the end of block i (a shared prefix gives shared leading hashes, and
 * nothing after the first difference matches).
 *
 * Collisions: each hash keeps 53 bits (32 of one lane, 21 of the other, finalised), exact in a
 * double and a Map key. With the default index of 31,250 blocks on each of 8 endpoints (250,000
 * hashes), the chance that any two distinct blocks share a hash is about n^2 / 2^54 = 3.5e-6; a
 * collision only credits one endpoint with a cached block it lacks, which changes where a request is
 * placed, never what it gets. The hash is not keyed, so a client could craft colliding prompts; the
 * most it can gain is affinity of its own requests to one endpoint, which the queue and KV-cache
 * scorers still weigh against.
 */

const TWO_POW_21 = 2 ** 21;
/** Where a prompt that does not start on a 4-byte boundary is copied to be read as 32-bit words. */
let aligned = new Uint8Array(16 * 1024);

/**
 * Writes the chained hash of each full block of `prompt` (at most `maxBlocks`, at most out.length)
 * into `out` and returns how many it wrote; a tail shorter than a block is not hashed, so a prompt
 * shorter than one block gives 0. `blockBytes` is a multiple of 4 (tokens x 4 characters). Words are
 * read in the platform's byte order: hashes are only ever compared within this process.
 */
export function hashPrefixBlocks(
  model: string,
  prompt: Uint8Array,
  blockBytes: number,
  maxBlocks: number,
  out: Float64Array,
): number {
  const blocks = Math.min(maxBlocks, out.length, Math.floor(prompt.length / blockBytes));
  if (blocks <= 0) return 0;
  const bytes = blocks * blockBytes;
  let source = prompt;
  if ((prompt.byteOffset & 3) !== 0) {
    // Pooled Buffers can start anywhere; a copy (a memcpy) costs less than reading bytes one by one.
    if (aligned.length < bytes) aligned = new Uint8Array(bytes);
    aligned.set(prompt.subarray(0, bytes));
    source = aligned;
  }
  const words = new Int32Array(source.buffer, source.byteOffset, bytes >> 2);
  // Seeded with the model name (and its length, so model "ab" + prompt "c" differs from "a" + "bc").
  let h1 = 0x9747b28c;
  let h2 = 0x1b873593;
  for (let i = 0; i < model.length; i++) {
    const c = model.charCodeAt(i);
    h1 = lane1(h1, c);
    h2 = lane2(h2, c);
  }
  h1 = lane1(h1, model.length);
  h2 = lane2(h2, model.length);
  const wordsPerBlock = blockBytes >> 2;
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    const blockEnd = at + wordsPerBlock;
    for (; at < blockEnd; at++) {
      const word = words[at]!;
      h1 = lane1(h1, word);
      h2 = lane2(h2, word);
    }
    out[b] = fmix(h1) * TWO_POW_21 + (fmix(h2 ^ 0x5bd1e995) >>> 11);
  }
  return blocks;
}

/** One murmur3 x86_32 body step. */
function lane1(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The same shape with other odd constants and rotations, so the two lanes are not one hash twice. */
function lane2(h: number, word: number): number {
  let k = Math.imul(word, 0x85ebca6b);
  k = (k << 16) | (k >>> 16);
  h ^= Math.imul(k, 0xc2b2ae35);
  h = (h << 17) | (h >>> 15);
  return (Math.imul(h, 9) + 0x561ccd1b) | 0;
}

/** murmur3's finaliser (avalanche), as an unsigned 32-bit number. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
