import type { EngineType } from "./compiled-pool.js";
import { DESTINATION_ENDPOINT_HEADER } from "./endpoint-picker.js";
import type { ModelServerMetrics } from "./parse-model-server-metrics.js";
import { PrefixHolder } from "./prefix-index.js";

const NO_ADAPTERS: ReadonlySet<string> = new Set();

/**
 * What the picker knows about one endpoint of one pool, kept across configuration reloads while the
 * address stays in the pool: the last good scrape, the requests sent since, the requests in flight,
 * the adapters it serves and its share of the prefix index.
 */
export class EndpointState {
  /** Requests sent and not finished. */
  inFlight = 0;
  /**
   * Requests in flight that no successful scrape has seen: sent since the last successful scrape
   * began, not finished yet. They count in the waiting queue until a scrape shows them.
   */
  sentSinceScrape = 0;
  /** Increases when a scrape begins: a request sent at epoch e is in the page of a scrape begun after e. */
  private scrapeEpoch = 0;
  /** sentSinceScrape by the epoch each request was sent at. */
  private readonly unseenByEpoch = new Map<number, number>();
  /** The last successful scrape; undefined before the first. */
  metrics: ModelServerMetrics | undefined;
  /** now() when the last successful scrape ended (freshness); undefined before the first. */
  scrapedAt: number | undefined;
  /** Models /v1/models lists with a `parent`: LoRA adapters. */
  adapters: ReadonlySet<string> = NO_ADAPTERS;
  /** Why the last scrape failed while scrapes fail (logged once when they start failing). */
  failure: string | undefined;
  /** False once a reload removed the address; kept only until its requests in flight finish. */
  member = true;
  readonly prefix = new PrefixHolder();
  /** The protocol's answer for this endpoint, built once. */
  readonly headers: { readonly [DESTINATION_ENDPOINT_HEADER]: string };

  constructor(
    readonly address: string,
    public pod: string,
    public engine: EngineType,
  ) {
    this.headers = Object.freeze({ [DESTINATION_ENDPOINT_HEADER]: address });
  }

  /** A request was sent; the returned epoch identifies it to `markFinished`. */
  markSent(): number {
    const epoch = this.scrapeEpoch;
    this.unseenByEpoch.set(epoch, (this.unseenByEpoch.get(epoch) ?? 0) + 1);
    this.sentSinceScrape += 1;
    return epoch;
  }

  /** The request sent at `epoch` is over: if no scrape has seen it yet, it leaves the queue count. */
  markFinished(epoch: number): void {
    const n = this.unseenByEpoch.get(epoch);
    if (n === undefined) return;
    if (n === 1) this.unseenByEpoch.delete(epoch);
    else this.unseenByEpoch.set(epoch, n - 1);
    this.sentSinceScrape -= 1;
  }

  /** A scrape begins; pass the result to `scrapeSucceeded` when its page is read. */
  beginScrape(): number {
    this.scrapeEpoch += 1;
    return this.scrapeEpoch;
  }

  /** The page of the scrape begun at `begun` shows every request sent before it began. */
  scrapeSucceeded(begun: number): void {
    for (const [epoch, n] of this.unseenByEpoch) {
      if (epoch >= begun) continue;
      this.unseenByEpoch.delete(epoch);
      this.sentSinceScrape -= n;
    }
  }

  /** Whether a scrape succeeded within `maxAgeMs` of `now`. */
  freshWithin(now: number, maxAgeMs: number): boolean {
    return this.scrapedAt !== undefined && now - this.scrapedAt <= maxAgeMs;
  }
}
