import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConsoleSessions,
  clearedSessionCookie,
  REMEMBERED_SESSION_MS,
  SESSION_COOKIE,
  SESSION_MS,
} from "../../src/console/console-session.js";

const NOW = Date.parse("2026-12-03T10:00:00Z");
const sessions = new ConsoleSessions("the-admin-token");

/** The Cookie request header a browser sends back for a Set-Cookie value. */
function cookieOf(setCookie: string): string {
  return setCookie.split(";")[0]!;
}

test("a session verifies until its expiry: 12 h without remember, 30 days with it", () => {
  const short = cookieOf(sessions.issue(false, NOW, false));
  assert.equal(sessions.verify(short, NOW), NOW + SESSION_MS);
  assert.equal(sessions.verify(short, NOW + SESSION_MS - 1), NOW + SESSION_MS);
  assert.equal(sessions.verify(short, NOW + SESSION_MS), undefined, "expired");
  const long = cookieOf(sessions.issue(true, NOW, false));
  assert.equal(sessions.verify(long, NOW + SESSION_MS + 1), NOW + REMEMBERED_SESSION_MS);
  assert.equal(sessions.verify(long, NOW + REMEMBERED_SESSION_MS), undefined);
});

test("the cookie is HttpOnly, SameSite=Strict, Path=/console/; Max-Age only when remembered; Secure over TLS", () => {
  const attributes = (setCookie: string) => setCookie.split("; ").slice(1).sort();
  assert.deepEqual(attributes(sessions.issue(false, NOW, false)), [
    "HttpOnly",
    "Path=/console/",
    "SameSite=Strict",
  ]);
  assert.deepEqual(attributes(sessions.issue(true, NOW, false)), [
    "HttpOnly",
    "Max-Age=2592000",
    "Path=/console/",
    "SameSite=Strict",
  ]);
  assert.ok(attributes(sessions.issue(false, NOW, true)).includes("Secure"));
  assert.ok(sessions.issue(false, NOW, false).startsWith(`${SESSION_COOKIE}=`));
  assert.equal(
    clearedSessionCookie(false),
    `${SESSION_COOKIE}=; Max-Age=0; Path=/console/; HttpOnly; SameSite=Strict`,
  );
});

test("a tampered, foreign or malformed cookie is refused", () => {
  const value = cookieOf(sessions.issue(false, NOW, false)).slice(SESSION_COOKIE.length + 1);
  const [expiry, mac] = value.split(".") as [string, string];
  const refused = [
    // A later expiry with the old MAC.
    `${Number(expiry) + 1000}.${mac}`,
    // One character of the MAC changed.
    `${expiry}.${mac.slice(0, -2)}${mac.at(-2) === "A" ? "B" : "A"}${mac.at(-1)}`,
    `${expiry}.`,
    `${expiry}`,
    `${expiry}.${mac}x`,
    `-1.${mac}`,
    "",
  ];
  for (const v of refused) assert.equal(sessions.verify(`${SESSION_COOKIE}=${v}`, NOW), undefined, v);
  assert.equal(sessions.verify(`other=${value}`, NOW), undefined, "another cookie's name");
  assert.equal(sessions.verify(undefined, NOW), undefined);
  // Another token (a replica configured differently, or the token changed): every session ends.
  assert.equal(new ConsoleSessions("another-token").verify(`${SESSION_COOKIE}=${value}`, NOW), undefined);
  // The same token elsewhere (another replica) accepts it, among other cookies.
  const replica = new ConsoleSessions("the-admin-token");
  assert.equal(replica.verify(`a=1; ${SESSION_COOKIE}=${value}; b=2`, NOW), NOW + SESSION_MS);
});
