/** A fetched bearer token and when to renew it (epoch milliseconds). */
export interface TimedToken {
  readonly value: string;
  /** After this a new token is fetched in the background while this one is still sent. */
  readonly refreshAt: number;
  /** After this the token is not sent any more: requests wait for a new one. */
  readonly usableUntil: number;
}

/**
 * One credential's bearer token (Entra, Google), the part the token types share:
 * - a usable token is answered synchronously, so the request path adds no promise;
 * - past its refresh point one fetch starts in the background and requests keep the current token;
 * - without a usable token every request waits on the same single fetch;
 * - a failed fetch fails the requests waiting on it and, for `failureCooldownMs`, those after
 *   (0: none); then the next request asks again, so a failure is never kept. A failed background
 *   refresh leaves the current token in service until it is no longer usable.
 * `fetchToken` gets the time the fetch started, from which lifetimes may be counted.
 */
export class RefreshingTokenCache {
  private current: TimedToken | undefined;
  private inflight: Promise<string> | undefined;
  private failure: { error: unknown; until: number } | undefined;

  constructor(
    private readonly fetchToken: (started: number) => Promise<TimedToken>,
    private readonly now: () => number,
    private readonly failureCooldownMs: number,
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
    const fetching = this.fetchToken(this.now()).then(
      (token) => {
        this.current = token;
        this.failure = undefined;
        return token.value;
      },
      (error: unknown) => {
        if (this.failureCooldownMs > 0) this.failure = { error, until: this.now() + this.failureCooldownMs };
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
