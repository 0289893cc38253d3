import { RefreshingTokenCache, type TimedToken } from "../refreshing-token-cache.js";
import type { EntraToken } from "./request-entra-token.js";

/** How long a failed fetch is answered from memory before Entra is asked again. */
export const FAILURE_COOLDOWN_MS = 1_000;
/** Refresh this long before expiry (the Azure SDKs' margin), or at half the lifetime of a short token. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Stop using a token this long before it expires (at most a tenth of its lifetime), for clock skew and transit. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * The token of one AzureCredentials policy (RefreshingTokenCache). Refreshed five minutes before
 * expiry (or at Entra's `refresh_in`, or half the lifetime of a short token), not sent in its last
 * 30 seconds (a tenth of a short lifetime); a failed fetch fails the requests of the next second too
 * (FAILURE_COOLDOWN_MS: a burst does not become a burst at Entra), then the next request asks again.
 */
export class EntraTokenCache {
  private readonly cache: RefreshingTokenCache;

  constructor(
    fetchToken: () => Promise<EntraToken>,
    now: () => number = Date.now,
    failureCooldownMs = FAILURE_COOLDOWN_MS,
  ) {
    this.cache = new RefreshingTokenCache(
      async (started) => timed(await fetchToken(), started),
      now,
      failureCooldownMs,
    );
  }

  token(): string | Promise<string> {
    return this.cache.token();
  }
}

/** Lifetimes count from when the request was sent: the token was issued no earlier. */
function timed(token: EntraToken, issued: number): TimedToken {
  const lifetime = token.expiresIn * 1000;
  const refreshIn =
    token.refreshIn !== undefined && token.refreshIn * 1000 < lifetime
      ? token.refreshIn * 1000
      : lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 2);
  return {
    value: token.accessToken,
    refreshAt: issued + refreshIn,
    usableUntil: issued + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 10),
  };
}
