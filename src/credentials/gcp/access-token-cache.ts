import type { AccessToken } from "./exchange-assertion-for-token.js";

/** Refresh at most this long before expiry (and at half the lifetime for short-lived tokens). */
const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * One credential's access token, fetched on first use and refreshed ahead of its expiry:
 * - a valid token is answered synchronously (no promise on the request path);
 * - within the refresh margin the current token is still used while one refresh runs behind it;
 * - with no valid token, every caller awaits the same fetch;
 * - a failed fetch is not remembered: it fails the requests that waited for it, and the next
 *   request tries again (a failed background refresh leaves the still-valid token in use).
 */
export class AccessTokenCache {
  private token: AccessToken | undefined;
  private refreshAt = 0;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<AccessToken>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token to send now: a string when one is valid, else a promise of a fresh one. */
  get(): string | Promise<string> {
    const now = this.now();
    const token = this.token;
    if (token !== undefined && now < token.expiresAt) {
      if (now >= this.refreshAt) this.refresh().catch(() => {});
      return token.value;
    }
    return this.refresh();
  }

  private refresh(): Promise<string> {
    this.pending ??= this.fetchToken().then(
      (token) => {
        const issuedAt = this.now();
        const margin = Math.min(MAX_REFRESH_MARGIN_MS, (token.expiresAt - issuedAt) / 2);
        this.token = token;
        this.refreshAt = token.expiresAt - margin;
        this.pending = undefined;
        return token.value;
      },
      (err: unknown) => {
        this.pending = undefined;
        throw err;
      },
    );
    return this.pending;
  }
}
