import { randomFillSync } from "node:crypto";

/** Random bytes fetched at once: one system call for hundreds of ids instead of one per id. */
const POOL_SIZE = 4096;
/** Random bytes one id takes: 12 bits of rand_a and 62 of rand_b, rounded up. */
const RANDOM_BYTES = 10;

const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * A UUID version 7 (RFC 9562) whose timestamp is `epochMs`: 48 bits of Unix milliseconds, then 74
 * random bits. Ids made with a record's start time sort like the records do, so a database orders
 * them by time for nothing; no counter is kept, because records are reported in the order they end,
 * not the order they started, and the random bits alone make a collision practically impossible.
 */
export function uuidV7(epochMs: number): string {
  if (offset + RANDOM_BYTES > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = offset;
  offset += RANDOM_BYTES;
  const ms = Math.floor(epochMs);
  // 48 bits do not fit a 32-bit bitwise operation: split into the high 16 and the low 32 bits.
  const high = Math.floor(ms / 0x1_0000_0000);
  const low = ms >>> 0;
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[low >>> 24]! +
    HEX[(low >>> 16) & 0xff]! +
    "-" +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    "-" +
    HEX[0x70 | (pool[r]! & 0x0f)]! +
    HEX[pool[r + 1]!]! +
    "-" +
    HEX[0x80 | (pool[r + 2]! & 0x3f)]! +
    HEX[pool[r + 3]!]! +
    "-" +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]! +
    HEX[pool[r + 8]!]! +
    HEX[pool[r + 9]!]!
  );
}
