import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { readCookie } from "../auth/cookies.js";

export const SESSION_COOKIE = "aigw_console";
/** A session without "remember me": the cookie lasts for the browser session, the server accepts it this long. */
export const SESSION_MS = 12 * 3600_000;
/** A remembered session: the cookie's Max-Age and the server's expiry. */
export const REMEMBERED_SESSION_MS = 30 * 86_400_000;
/** The console's pages and API are under it: the browser sends the cookie nowhere else. */
const COOKIE_PATH = "/console/";
/** `<expiry in epoch ms>.<HMAC-SHA256 of it, base64url>`. */
const VALUE = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;
const MAC_LABEL = "aigw console session v1";

/**
 * Stateless console sessions: the cookie holds its expiry and an HMAC over it, with a key derived
 * from the admin token. Nothing is stored, so any replica given the same token accepts the session,
 * and a new token ends every session at once (the old MACs no longer verify).
 */
export class ConsoleSessions {
  readonly #key: Buffer;

  constructor(adminToken: string) {
    // HKDF rather than the token itself: the MAC key is bound to this one use of the token.
    this.#key = Buffer.from(hkdfSync("sha256", adminToken, "aigw", MAC_LABEL, 32));
  }

  /**
   * The Set-Cookie value of a new session. `secure` when the request came over TLS (the admin
   * listener serves plain HTTP today; a browser drops a Secure cookie set over plain HTTP).
   */
  issue(remember: boolean, nowMs: number, secure: boolean): string {
    const expiresMs = nowMs + (remember ? REMEMBERED_SESSION_MS : SESSION_MS);
    const value = `${expiresMs}.${this.#mac(String(expiresMs)).toString("base64url")}`;
    const maxAge = remember ? `; Max-Age=${REMEMBERED_SESSION_MS / 1000}` : "";
    return `${SESSION_COOKIE}=${value}${maxAge}${attributes(secure)}`;
  }

  /** The expiry (epoch ms) of the valid, unexpired session in a Cookie header, else undefined. */
  verify(cookieHeader: string | undefined, nowMs: number): number | undefined {
    const match = VALUE.exec(readCookie(cookieHeader, SESSION_COOKIE) ?? "");
    if (!match) return undefined;
    const presented = Buffer.from(match[2]!, "base64url");
    // Both are 32 bytes (the pattern fixes the length), as timingSafeEqual requires.
    if (!timingSafeEqual(presented, this.#mac(match[1]!))) return undefined;
    const expiresMs = Number(match[1]);
    return expiresMs > nowMs ? expiresMs : undefined;
  }

  #mac(expiry: string): Buffer {
    return createHmac("sha256", this.#key).update(expiry).digest();
  }
}

/** The Set-Cookie value that ends the session in the browser. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Max-Age=0${attributes(secure)}`;
}

function attributes(secure: boolean): string {
  return `; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
