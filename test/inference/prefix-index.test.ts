import assert from "node:assert/strict";
import { test } from "node:test";
import { PrefixHolder, PrefixIndex } from "../../src/inference/prefix-index.js";

const blocks = (...values: number[]): Float64Array => Float64Array.from(values);

test("a lookup counts each holder's leading blocks and stops at the first block held nowhere", () => {
  const index = new PrefixIndex();
  const a = new PrefixHolder();
  const b = new PrefixHolder();
  const c = new PrefixHolder();
  index.record(a, blocks(1, 2, 3), 3, 100);
  index.record(b, blocks(1, 2), 2, 100);
  index.record(c, blocks(9, 5), 2, 100);
  // Block 5 is held by c, but the walk stops at 4 which nobody holds.
  const epoch = index.match(blocks(1, 2, 3, 4, 5), 5);
  assert.equal(index.matchedBy(a, epoch), 3);
  assert.equal(index.matchedBy(b, epoch), 2);
  assert.equal(index.matchedBy(c, epoch), 0);
  // A later lookup does not see the previous one's counts.
  const next = index.match(blocks(7), 1);
  assert.equal(index.matchedBy(a, next), 0);
});

test("the LRU keeps at most `capacity` blocks, evicting the least recently recorded, and keeps a prompt's leading blocks", () => {
  const index = new PrefixIndex();
  const a = new PrefixHolder();
  index.record(a, blocks(1, 2, 3), 3, 4);
  index.record(a, blocks(1), 1, 4); // 1 is now the newest
  index.record(a, blocks(10, 11, 12), 3, 4); // evicts 3 and 2, the least recent
  assert.deepEqual(
    [...a.blocks.keys()].sort((x, y) => x - y),
    [1, 10, 11, 12],
  );
  const epoch = index.match(blocks(2), 1);
  assert.equal(index.matchedBy(a, epoch), 0);
  // A prompt longer than the capacity keeps its first blocks (a lookup needs those first).
  const b = new PrefixHolder();
  index.record(b, blocks(20, 21, 22, 23, 24, 25), 6, 3);
  assert.equal(b.blocks.size, 3);
  assert.equal(index.matchedBy(b, index.match(blocks(20, 21, 22, 23), 4)), 3);
});

test("drop forgets a holder everywhere and leaves the others", () => {
  const index = new PrefixIndex();
  const a = new PrefixHolder();
  const b = new PrefixHolder();
  index.record(a, blocks(1, 2), 2, 10);
  index.record(b, blocks(1), 1, 10);
  index.drop(a);
  assert.equal(a.blocks.size, 0);
  const epoch = index.match(blocks(1, 2), 2);
  assert.equal(index.matchedBy(a, epoch), 0);
  assert.equal(index.matchedBy(b, epoch), 1);
  index.drop(b);
  assert.equal(index.size, 0);
});
