import type { EntraToken } from "./request-entra-token.js";

/** How long a failed fetch is answered from memory before Entra is asked again. */
export const FAILURE_COOLDOWN_MS = 1_000;
/** Refresh this long before expiry (the Azure SDKs' margin), or at half the lifetime of a short token. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Stop using a token this long before it expires (at most a tenth of its lifetime), for clock skew and transit. */
const EXPIRY_MARGIN_MS = 30_000;

interface CachedToken {
  value: string;
  /** After this a new token is fetched in the background, the current one still served. */
  refreshAt: number;
  /** After this the token is not sent any more: requests wait for a new one. */
  usableUntil: number;
}

/**
 * The token of one AzureCredentials policy. `token()` answers synchronously while a cached token is
 * usable, so the request path adds no promise; once the refresh point passes, one fetch starts in the
 * background and requests keep the current token until the new one arrives. Without a usable token,
 * every request waits on the same single fetch. A failed fetch fails the requests waiting on it and
 * those of the next second (FAILURE_COOLDOWN_MS: a burst does not become a burst at Entra); after
 * that the next request asks again, so a failure is never kept. A failed background refresh leaves
 * the current token in service until it is no longer usable.
 */
export class EntraTokenCache {
  private current: CachedToken | undefined;
  private inflight: Promise<string> | undefined;
  private failure: { error: unknown; until: number } | undefined;

  constructor(
    private readonly fetchToken: () => Promise<EntraToken>,
    private readonly now: () => number = Date.now,
    private readonly failureCooldownMs = FAILURE_COOLDOWN_MS,
  ) {}

  token(): string | Promise<string> {
    const now = this.now();
    const current = this.current;
    if (current !== undefined && now < current.usableUntil) {
      if (now >= current.refreshAt && !this.coolingDown(now)) this.refresh().catch(() => {});
      return current.value;
    }
    if (this.coolingDown(now)) return Promise.reject(this.failure!.error);
    return this.refresh();
  }

  private coolingDown(now: number): boolean {
    return this.failure !== undefined && now < this.failure.until;
  }

  private refresh(): Promise<string> {
    if (this.inflight !== undefined) return this.inflight;
    const started = this.now();
    const fetching = this.fetchToken().then(
      (token) => {
        this.current = cached(token, started);
        this.failure = undefined;
        return token.accessToken;
      },
      (error: unknown) => {
        this.failure = { error, until: this.now() + this.failureCooldownMs };
        throw error;
      },
    );
    const settled = fetching.finally(() => {
      this.inflight = undefined;
    });
    this.inflight = settled;
    return settled;
  }
}

/** Lifetimes count from when the request was sent: the token was issued no earlier. */
function cached(token: EntraToken, issued: number): CachedToken {
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
