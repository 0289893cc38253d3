import { RefreshingTokenCache } from "../refreshing-token-cache.js";
import type { AccessToken } from "./exchange-assertion-for-token.js";

/** Refresh at most this long before expiry (and at half the lifetime for short-lived tokens). */
const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * One GCP credential's access token (RefreshingTokenCache): sent until it expires, refreshed in
 * the background from five minutes before (half the lifetime for short tokens), a failed fetch
 * not remembered at all.
 */
export class AccessTokenCache {
  private readonly cache: RefreshingTokenCache;

  constructor(fetchToken: () => Promise<AccessToken>, now: () => number = Date.now) {
    const timed = async () => {
      const token = await fetchToken();
      const margin = Math.min(MAX_REFRESH_MARGIN_MS, (token.expiresAt - now()) / 2);
      return { value: token.value, refreshAt: token.expiresAt - margin, usableUntil: token.expiresAt };
    };
    this.cache = new RefreshingTokenCache(timed, now, 0);
  }

  /** The token to send now: a string when one is valid, else a promise of a fresh one. */
  get(): string | Promise<string> {
    return this.cache.token();
  }
}
