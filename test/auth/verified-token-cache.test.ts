import assert from "node:assert/strict";
import { test } from "node:test";
import { VerifiedTokenCache } from "../../src/auth/verified-token-cache.js";

/** A token-like string of `length` characters whose last 32 (the cache's key) are `tail` repeated. */
function token(head: string, tail: string, length = 100): string {
  const end = tail.repeat(32).slice(0, 32);
  return `${head}.${"x".repeat(length - head.length - 33)}${end}`;
}

const limits = { maxEntries: 3, maxChars: 1_000_000, maxTokenChars: 10_000 };

test("past maxEntries the entry passed over longest ago goes, unless it was read since (second chance)", () => {
  const cache = new VerifiedTokenCache<number>(limits);
  const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map((t) => token(t, t));
  cache.set(a!, 1);
  cache.set(b!, 2);
  cache.set(c!, 3);
  assert.equal(cache.get(a!), 1);
  cache.set(d!, 4);
  assert.equal(cache.size, 3);
  assert.equal(cache.get(b!), undefined, "b, the oldest not read since, went");
  assert.equal(cache.get(a!), 1, "a was read: it stayed");
  assert.equal(cache.get(c!), 3);
  assert.equal(cache.get(d!), 4);
  // Every entry read: one pass clears their bits (each moved to the end once), then the first of
  // that pass goes, and the new entry is never the one to go.
  cache.set(e!, 5);
  assert.equal(cache.size, 3);
  assert.equal(cache.get(c!), undefined, "c, the first passed over when all had been read, went");
  assert.deepEqual([cache.get(a!), cache.get(d!), cache.get(e!)], [1, 4, 5]);
});

test("setting a token again replaces its entry; delete removes it", () => {
  const cache = new VerifiedTokenCache<number>(limits);
  const a = token("a", "a");
  cache.set(a, 1);
  cache.set(a, 2);
  assert.equal(cache.size, 1);
  assert.equal(cache.totalChars, a.length);
  assert.equal(cache.get(a), 2);
  cache.delete(a);
  assert.equal(cache.get(a), undefined);
  assert.equal(cache.size, 0);
  assert.equal(cache.totalChars, 0);
});

test("bounded in characters: long tokens push others out, and a token past maxTokenChars is never kept", () => {
  const cache = new VerifiedTokenCache<number>({ maxEntries: 100, maxChars: 1_000, maxTokenChars: 400 });
  const long = ["a", "b", "c"].map((t) => token(t, t, 400));
  for (const [i, t] of long.entries()) cache.set(t, i);
  assert.equal(cache.size, 2, "two of 400 characters fit in 1,000, three do not");
  assert.equal(cache.totalChars, 800);
  assert.equal(cache.get(long[0]!), undefined);
  assert.equal(cache.get(long[2]!), 2);
  const tooLong = token("d", "d", 401);
  cache.set(tooLong, 3);
  assert.equal(cache.get(tooLong), undefined);
  assert.equal(cache.size, 2);
  assert.equal(cache.totalChars, 800);
});

test("an entry is the whole token: one that ends like a cached token but differs elsewhere is not it", () => {
  const cache = new VerifiedTokenCache<number>(limits);
  const real = token("real", "s");
  const forged = token("fake", "s");
  assert.equal(real.slice(-32), forged.slice(-32));
  cache.set(real, 1);
  assert.equal(cache.get(forged), undefined);
  assert.equal(cache.get(real.slice(1)), undefined, "a shorter token with the same end");
  cache.delete(forged);
  assert.equal(cache.get(real), 1, "deleting the other token leaves this one");
  const short = "abc";
  cache.set(short, 2);
  assert.equal(cache.get(short), 2, "a token shorter than the key is its own key");
});
