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
  /** Requests sent since the last successful scrape began: they count in the waiting queue until then. */
  sentSinceScrape = 0;
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

  /** Whether a scrape succeeded within `maxAgeMs` of `now`. */
  freshWithin(now: number, maxAgeMs: number): boolean {
    return this.scrapedAt !== undefined && now - this.scrapedAt <= maxAgeMs;
  }
}
