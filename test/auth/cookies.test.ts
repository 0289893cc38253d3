import assert from "node:assert/strict";
import { test } from "node:test";
import { readCookie, removeCookie } from "../../src/auth/cookies.js";

test("readCookie finds a cookie by exact name, trims it and drops its quotes", () => {
  const header = 'theme=dark; session = "abc123" ;api_key=k1';
  assert.equal(readCookie(header, "session"), "abc123");
  assert.equal(readCookie(header, "api_key"), "k1");
  assert.equal(readCookie(header, "api"), undefined);
  assert.equal(readCookie(header, "Session"), undefined);
  assert.equal(readCookie(undefined, "session"), undefined);
  assert.equal(readCookie("flag; a=1", "flag"), undefined);
});

test("removeCookie drops one cookie and keeps the others in order; nothing left is undefined", () => {
  assert.equal(removeCookie("a=1; key=secret; b=2", "key"), "a=1; b=2");
  assert.equal(removeCookie("key=secret", "key"), undefined);
  assert.equal(removeCookie("a=1;b=2", "key"), "a=1; b=2");
});
