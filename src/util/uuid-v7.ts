import { randomFillSync } from "node:crypto";

/** Random bytes fetched at once: one system call for hundreds of ids instead of one per id. */
const POOL_SIZE = 4096;
/** Random bytes one id takes: 12 bits of rand_a and 62 of rand_b, rounded up. */
const RANDOM_BYTES = 10;

const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;
/** The id's text is written here and copied out once: one flat string, not a rope of 20 pieces. */
const text = Buffer.from("00000000-0000-7000-8000-000000000000", "latin1");
const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");

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
  hex(0, high >>> 8);
  hex(2, high);
  hex(4, low >>> 24);
  hex(6, low >>> 16);
  hex(9, low >>> 8);
  hex(11, low);
  hex(14, 0x70 | (pool[r]! & 0x0f));
  hex(16, pool[r + 1]!);
  hex(19, 0x80 | (pool[r + 2]! & 0x3f));
  hex(21, pool[r + 3]!);
  for (let i = 0; i < 6; i++) hex(24 + 2 * i, pool[r + 4 + i]!);
  return text.toString("latin1");
}

/** The byte's two hex digits at `at` of the id's text. */
function hex(at: number, byte: number): void {
  text[at] = HEX_DIGITS[(byte >>> 4) & 0x0f]!;
  text[at + 1] = HEX_DIGITS[byte & 0x0f]!;
}
