import * as assert from "node:assert/strict";
import { test } from "node:test";
import { AccessTokenCache } from "../../../src/credentials/gcp/access-token-cache.js";
import type { AccessToken } from "../../../src/credentials/gcp/exchange-assertion-for-token.js";

/** A token source whose fetches the test settles by hand, on a clock the test moves. */
function harness(lifetimeMs: number) {
  let now = 1_000_000;
  const fetches: { resolve: (t: AccessToken) => void; reject: (e: Error) => void }[] = [];
  let n = 0;
  const cache = new AccessTokenCache(
    () =>
      new Promise<AccessToken>((resolve, reject) => {
        fetches.push({ resolve, reject });
      }),
    () => now,
  );
  return {
    cache,
    fetches,
    advance(ms: number) {
      now += ms;
    },
    issue(index = fetches.length - 1) {
      n += 1;
      (fetches[index] as (typeof fetches)[number]).resolve({ value: `t${n}`, expiresAt: now + lifetimeMs });
    },
  };
}

test("the first request waits for a token; later ones get it synchronously without fetching again", async () => {
  const h = harness(3_600_000);
  const first = h.cache.get();
  assert.ok(first instanceof Promise);
  h.issue();
  assert.equal(await first, "t1");
  assert.equal(h.cache.get(), "t1");
  h.advance(3_000_000);
  assert.equal(h.cache.get(), "t1");
  assert.equal(h.fetches.length, 1);
});

test("concurrent requests without a token share one fetch", async () => {
  const h = harness(3_600_000);
  const waiting = [h.cache.get(), h.cache.get(), h.cache.get()];
  assert.equal(h.fetches.length, 1);
  h.issue();
  assert.deepEqual(await Promise.all(waiting), ["t1", "t1", "t1"]);
});

test("five minutes before expiry the token is refreshed in the background while it is still used", async () => {
  const h = harness(3_600_000);
  const first = h.cache.get();
  h.issue();
  await first;
  h.advance(3_600_000 - 300_000 - 1);
  assert.equal(h.cache.get(), "t1");
  assert.equal(h.fetches.length, 1, "not yet in the refresh margin");
  h.advance(2);
  assert.equal(h.cache.get(), "t1", "still valid: used while the refresh runs");
  assert.equal(h.cache.get(), "t1");
  assert.equal(h.fetches.length, 2, "one refresh for both requests");
  h.issue();
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(h.cache.get(), "t2");
});

test("a short-lived token is refreshed at half its lifetime", async () => {
  const h = harness(4_000);
  const first = h.cache.get();
  h.issue();
  await first;
  h.advance(1_999);
  h.cache.get();
  assert.equal(h.fetches.length, 1);
  h.advance(1);
  h.cache.get();
  assert.equal(h.fetches.length, 2);
});

test("an expired token is not used: requests wait for the fresh one", async () => {
  const h = harness(4_000);
  const first = h.cache.get();
  h.issue();
  await first;
  h.advance(4_000);
  const next = h.cache.get();
  assert.ok(next instanceof Promise);
  h.issue();
  assert.equal(await next, "t2");
});

test("a failed fetch fails its waiters and is not remembered: the next request fetches again", async () => {
  const h = harness(3_600_000);
  const a = h.cache.get();
  const b = h.cache.get();
  (h.fetches[0] as { reject: (e: Error) => void }).reject(new Error("token endpoint down"));
  await assert.rejects(a as Promise<string>, /token endpoint down/);
  await assert.rejects(b as Promise<string>, /token endpoint down/);
  const c = h.cache.get();
  assert.equal(h.fetches.length, 2);
  h.issue();
  assert.equal(await c, "t1");
});

test("a failed background refresh keeps the valid token in use and is tried again later", async () => {
  const h = harness(3_600_000);
  const first = h.cache.get();
  h.issue();
  await first;
  h.advance(3_400_000);
  assert.equal(h.cache.get(), "t1");
  (h.fetches[1] as { reject: (e: Error) => void }).reject(new Error("refresh failed"));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(h.cache.get(), "t1");
  assert.equal(h.fetches.length, 3, "the next request starts another refresh");
  h.issue();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(h.cache.get(), "t2");
});
