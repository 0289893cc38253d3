import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EntraTokenCache } from "../../../src/credentials/azure/entra-token-cache.js";
import type { EntraToken } from "../../../src/credentials/azure/request-entra-token.js";

/** The token cache on a clock the test moves, with a token source it controls. */

interface Pending {
  resolve(token: EntraToken): void;
  reject(error: unknown): void;
}

function harness(cooldownMs = 1000) {
  let now = 1_000_000;
  const fetches: Pending[] = [];
  const cache = new EntraTokenCache(
    () => new Promise<EntraToken>((resolve, reject) => fetches.push({ resolve, reject })),
    () => now,
    cooldownMs,
  );
  return {
    cache,
    fetches,
    advance(ms: number) {
      now += ms;
    },
  };
}

const token = (accessToken: string, expiresIn = 3600, refreshIn?: number): EntraToken => ({
  accessToken,
  expiresIn,
  refreshIn,
});

describe("EntraTokenCache", () => {
  it("concurrent first requests share one fetch, then the token is served synchronously", async () => {
    const h = harness();
    const waiting = [h.cache.token(), h.cache.token(), h.cache.token()];
    assert.equal(h.fetches.length, 1);
    assert.ok(waiting.every((w) => w instanceof Promise));
    h.fetches[0]!.resolve(token("t1"));
    assert.deepEqual(await Promise.all(waiting), ["t1", "t1", "t1"]);
    assert.equal(h.cache.token(), "t1", "no promise once cached");
    h.advance(3000 * 1000);
    assert.equal(h.cache.token(), "t1");
    assert.equal(h.fetches.length, 1);
  });

  it("refreshes in the background five minutes before expiry, serving the old token meanwhile", async () => {
    const h = harness();
    const first = h.cache.token();
    h.fetches[0]!.resolve(token("t1", 3600));
    await first;
    h.advance(3300 * 1000 - 1);
    assert.equal(h.cache.token(), "t1");
    assert.equal(h.fetches.length, 1);
    h.advance(1);
    assert.equal(h.cache.token(), "t1", "still served while the refresh runs");
    assert.equal(h.cache.token(), "t1");
    assert.equal(h.fetches.length, 2, "one background fetch");
    h.fetches[1]!.resolve(token("t2", 3600));
    await new Promise((r) => setImmediate(r));
    assert.equal(h.cache.token(), "t2");
  });

  it("a short token refreshes at half its life and is not used in its last tenth", async () => {
    const h = harness();
    const first = h.cache.token();
    h.fetches[0]!.resolve(token("short", 10));
    await first;
    h.advance(4999);
    assert.equal(h.cache.token(), "short");
    assert.equal(h.fetches.length, 1);
    h.advance(1);
    assert.equal(h.cache.token(), "short");
    assert.equal(h.fetches.length, 2);
    // The background refresh hangs; at 9 s the token is no longer sent: requests wait for the fetch.
    h.advance(4000);
    const waiting = h.cache.token();
    assert.ok(waiting instanceof Promise);
    assert.equal(h.fetches.length, 2, "the running fetch is shared");
    h.fetches[1]!.resolve(token("next", 10));
    assert.equal(await waiting, "next");
  });

  it("honours Entra's refresh_in when it is sooner", async () => {
    const h = harness();
    const first = h.cache.token();
    h.fetches[0]!.resolve(token("t1", 86_400, 43_200));
    await first;
    h.advance(43_200 * 1000);
    h.cache.token();
    assert.equal(h.fetches.length, 2);
  });

  it("a failure fails its waiters and the next second's requests, then Entra is asked again", async () => {
    const h = harness(1000);
    const waiting = [h.cache.token(), h.cache.token()];
    h.fetches[0]!.reject(new Error("entra down"));
    for (const w of waiting) await assert.rejects(w as Promise<string>, /entra down/);
    await assert.rejects(h.cache.token() as Promise<string>, /entra down/);
    assert.equal(h.fetches.length, 1, "not asked again during the cooldown");
    h.advance(1000);
    const retry = h.cache.token();
    assert.equal(h.fetches.length, 2, "asked again after it");
    h.fetches[1]!.resolve(token("t1"));
    assert.equal(await retry, "t1");
  });

  it("a failed background refresh keeps the current token until it is no longer usable", async () => {
    const h = harness(1000);
    const first = h.cache.token();
    h.fetches[0]!.resolve(token("t1", 3600));
    await first;
    h.advance(3300 * 1000);
    assert.equal(h.cache.token(), "t1");
    h.fetches[1]!.reject(new Error("blip"));
    await new Promise((r) => setImmediate(r));
    assert.equal(h.cache.token(), "t1", "still valid: served");
    assert.equal(h.fetches.length, 2, "no new fetch during the cooldown");
    h.advance(1000);
    assert.equal(h.cache.token(), "t1");
    assert.equal(h.fetches.length, 3, "the refresh is tried again");
  });
});
