import assert from "node:assert/strict";
import { test } from "node:test";
import { VerifiedTokenCache } from "../../src/auth/verified-token-cache.js";

test("the cache is bounded: past maxEntries the oldest entry goes; setting again makes an entry new", () => {
  const cache = new VerifiedTokenCache<number>(3);
  cache.set("a", 1);
  cache.set("b", 2);
  cache.set("c", 3);
  cache.set("a", 10);
  cache.set("d", 4);
  assert.equal(cache.size, 3);
  assert.equal(cache.get("b"), undefined, "the oldest went");
  assert.equal(cache.get("a"), 10);
  assert.equal(cache.get("d"), 4);
  cache.delete("d");
  assert.equal(cache.get("d"), undefined);
});
