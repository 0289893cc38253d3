import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KvBlockCache } from "../../src/sim/kv-block-cache.js";
import { promptBlocks } from "../../src/sim/prompt-blocks.js";

const text = (s: string) => Buffer.from(s);
/** Block hashes of a prompt with 16-token (64-byte) blocks. */
const hashesOf = (prompt: string, model = "m") =>
  promptBlocks(text(prompt), 0, prompt.length, 16, model).hashes;
const SYSTEM = "s".repeat(128); // two full blocks

describe("prompt blocks", () => {
  it("names only full blocks, chained: a shared prefix gives the same leading hashes", () => {
    const a = promptBlocks(text(`${SYSTEM}${"a".repeat(70)}`), 0, 198, 16, "m");
    const b = hashesOf(`${SYSTEM}${"b".repeat(64)}`);
    assert.equal(a.tokens, 50); // ceil(198 / 4)
    assert.equal(a.hashes.length, 3);
    assert.deepEqual(a.hashes.slice(0, 2), b.slice(0, 2));
    assert.notEqual(a.hashes[2], b[2]);
  });

  it("the chain makes a block's name depend on everything before it", () => {
    const first = hashesOf(`${"x".repeat(64)}${"y".repeat(64)}`);
    const second = hashesOf(`${"z".repeat(64)}${"y".repeat(64)}`);
    assert.notEqual(first[1], second[1]);
  });

  it("keys the cache per model", () => {
    assert.notDeepEqual(hashesOf(SYSTEM, "base"), hashesOf(SYSTEM, "adapter"));
  });

  it("reads the span it is given, in place", () => {
    const body = text(`{"messages":"${SYSTEM}"}`);
    assert.deepEqual(promptBlocks(body, 13, 13 + 128, 16, "m").hashes, hashesOf(SYSTEM));
  });
});

describe("KV block cache", () => {
  it("keeps a finished sequence's blocks cached and hits them for the same prefix", () => {
    const cache = new KvBlockCache(8, 16);
    const first = hashesOf(`${SYSTEM}${"a".repeat(64)}`);
    assert.equal(cache.allocate(first, 1), 0);
    assert.equal(cache.inUse, 4);
    cache.release(first, 1);
    assert.deepEqual([cache.inUse, cache.evictable], [0, 3]);
    const second = hashesOf(`${SYSTEM}${"b".repeat(64)}`);
    assert.equal(cache.allocate(second, 0), 2, "the two system-prompt blocks hit");
    assert.deepEqual([cache.inUse, cache.evictable], [3, 1]);
  });

  it("shares the blocks of a prefix between running sequences", () => {
    const cache = new KvBlockCache(8, 16);
    cache.allocate(hashesOf(SYSTEM), 0);
    assert.equal(cache.allocate(hashesOf(SYSTEM), 0), 2);
    assert.equal(cache.inUse, 2);
    cache.release(hashesOf(SYSTEM), 0);
    assert.equal(cache.inUse, 2, "still held by the other sequence");
    cache.release(hashesOf(SYSTEM), 0);
    assert.deepEqual([cache.inUse, cache.evictable], [0, 2]);
  });

  it("evicts least recently used cached blocks under pressure, a prefix's tail first", () => {
    const cache = new KvBlockCache(4, 16);
    const old = hashesOf("o".repeat(128));
    const recent = hashesOf("r".repeat(128));
    cache.allocate(old, 0);
    cache.release(old, 0);
    cache.allocate(recent, 0);
    cache.release(recent, 0);
    // One new block evicts one: the old prompt's last block, so its first block still hits.
    cache.allocate(hashesOf("n".repeat(64)), 0);
    assert.equal(cache.hitBlocks(old), 1);
    assert.equal(cache.hitBlocks(recent), 2);
  });

  it("never evicts blocks in use; a sequence that does not fit is refused", () => {
    const cache = new KvBlockCache(4, 16);
    const running = hashesOf("r".repeat(192));
    cache.allocate(running, 0);
    assert.equal(cache.fits([], 1), true);
    assert.equal(cache.fits([], 2), false);
    cache.allocate([], 1);
    assert.equal(cache.hitBlocks(running), 3);
    assert.throws(() => cache.allocate([], 1), /over-allocated/);
  });

  it("counts a reused cached block as room it need not find", () => {
    const cache = new KvBlockCache(3, 16);
    const prefix = hashesOf("p".repeat(128));
    cache.allocate(prefix, 0);
    cache.release(prefix, 0);
    cache.allocate([], 1);
    // No block is free, but the prefix's own two cached blocks need no new room.
    assert.equal(cache.fits(prefix, 0), true);
    assert.equal(cache.fits(hashesOf("q".repeat(128)), 0), true, "by evicting the two cached blocks");
    assert.equal(cache.fits(prefix, 1), false, "its own cached blocks cannot be evicted for it");
  });
});
