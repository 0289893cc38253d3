import type { CompiledPool, EngineType } from "./compiled-pool.js";
import { EndpointChooser } from "./endpoint-chooser.js";
import type { EndpointPicker, PickInput, PickOutcome } from "./endpoint-picker.js";
import { EndpointState } from "./endpoint-state.js";
import { HttpScraper, type ScrapeFunction } from "./http-scrape.js";
import { type PoolDeps, PoolState } from "./pool-state.js";

export interface InferencePoolsOptions {
  /** Monotonic ms clock; default performance.now. */
  readonly now?: () => number;
  /** [0, 1) for tie-breaks and the random picker; default Math.random. */
  readonly random?: () => number;
  /** GET http://address/path within timeoutMs; default undici on an Agent of the picker's own. */
  readonly scrape?: ScrapeFunction;
  /** Scrape failures and recoveries (once per change, not every 50 ms); default stderr. */
  readonly log?: (line: string) => void;
}

/** One endpoint as the metrics and admin views show it. */
export interface EndpointSnapshot {
  readonly address: string;
  readonly pod: string;
  readonly engine: EngineType;
  /** From the last successful scrape; undefined = never scraped or not on the page. */
  readonly waiting: number | undefined;
  readonly running: number | undefined;
  readonly kvCache: number | undefined;
  /** Requests sent and not finished. */
  readonly inFlight: number;
  /** Requests sent since the last scrape, counted in the queue the picker sees. */
  readonly sentSinceScrape: number;
  /** ms since the last successful scrape; undefined before the first. */
  readonly lastScrapeAgeMs: number | undefined;
  /** A successful scrape within staleAfterMs (else the endpoint is ranked by in-flight alone). */
  readonly fresh: boolean;
  /** Why scrapes fail, while they do. */
  readonly scrapeError: string | undefined;
  readonly loraRunning: readonly string[];
  readonly loraWaiting: readonly string[];
  readonly maxLora: number | undefined;
  /** Adapters /v1/models lists with a parent. */
  readonly adapters: readonly string[];
  /** Block hashes the prefix index credits this endpoint with. */
  readonly prefixBlocks: number;
}

export interface PoolSnapshot {
  readonly key: string;
  /** Tokens per block prompts are hashed with (configured, or the endpoints' majority with autoTune). */
  readonly blockSizeTokens: number;
  /** Distinct block hashes in the pool's prefix index. */
  readonly indexedBlocks: number;
  readonly endpoints: readonly EndpointSnapshot[];
}

/**
 * The built-in endpoint picker, owned by the gateway process: created once, told every
 * configuration's pools with sync(), and asked per request with pick() (synchronous, no I/O). It
 * scrapes every endpoint's /metrics off the request path and keeps per pool and endpoint the
 * metrics, the in-flight and sent-since-scrape counts and the prefix index across reloads.
 */
export class InferencePools implements EndpointPicker {
  private readonly pools = new Map<string, PoolState>();
  private readonly now: () => number;
  private readonly chooser: EndpointChooser;
  private readonly http: HttpScraper | undefined;
  private readonly deps: PoolDeps;
  private closed = false;

  constructor(options: InferencePoolsOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.chooser = new EndpointChooser(options.random ?? Math.random);
    this.http = options.scrape ? undefined : new HttpScraper();
    this.deps = {
      scrape: options.scrape ?? this.http!.scrape,
      now: this.now,
      log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
    };
  }

  /** After every (re)load: the configuration's pools; state of remaining addresses is kept. */
  sync(compiledPools: readonly CompiledPool[]): void {
    if (this.closed) return;
    const keep = new Set<string>();
    for (const pool of compiledPools) {
      keep.add(pool.key);
      const live = this.pools.get(pool.key);
      if (live) live.sync(pool);
      else this.pools.set(pool.key, new PoolState(pool, this.deps));
    }
    for (const [key, live] of this.pools) {
      if (keep.has(key)) continue;
      live.retire();
      if (live.states.size === 0) this.pools.delete(key);
    }
  }

  pick(pool: CompiledPool, input: PickInput): PickOutcome {
    const live = this.pools.get(pool.key);
    return this.chooser.choose(pool, this.statesFor(pool, live), live, input, this.now());
  }

  sent(pool: CompiledPool, address: string): number | undefined {
    const state = this.pools.get(pool.key)?.states.get(address);
    if (state === undefined) return undefined;
    state.inFlight += 1;
    return state.markSent();
  }

  finished(pool: CompiledPool, address: string, sentAt?: number): void {
    const live = this.pools.get(pool.key);
    const state = live?.states.get(address);
    if (live === undefined || state === undefined) return;
    if (sentAt !== undefined) state.markFinished(sentAt);
    live.release(state);
    // A pool removed by a reload is forgotten with the last request it had in flight.
    if (live.retired && live.states.size === 0) this.pools.delete(pool.key);
  }

  snapshot(): PoolSnapshot[] {
    const now = this.now();
    const out: PoolSnapshot[] = [];
    for (const live of this.pools.values()) {
      if (live.retired) continue;
      out.push({
        key: live.compiled.key,
        blockSizeTokens: live.blockSizeTokens,
        indexedBlocks: live.index.size,
        endpoints: live.members.map((st) => ({
          address: st.address,
          pod: st.pod,
          engine: st.engine,
          waiting: st.metrics?.waiting,
          running: st.metrics?.running,
          kvCache: st.metrics?.kvCache,
          inFlight: st.inFlight,
          sentSinceScrape: st.sentSinceScrape,
          lastScrapeAgeMs: st.scrapedAt === undefined ? undefined : now - st.scrapedAt,
          fresh: st.freshWithin(now, live.compiled.picker.staleAfterMs),
          scrapeError: st.failure,
          loraRunning: st.metrics?.lora?.running ?? [],
          loraWaiting: st.metrics?.lora?.waiting ?? [],
          maxLora: st.metrics?.lora?.maxLora,
          adapters: [...st.adapters],
          prefixBlocks: st.prefix.blocks.size,
        })),
      });
    }
    return out;
  }

  /** Stops every scrape loop and closes the scrape connections; later syncs do nothing. */
  async close(): Promise<void> {
    this.closed = true;
    for (const live of this.pools.values()) live.stop();
    this.pools.clear();
    await this.http?.close();
  }

  /**
   * The states aligned with `pool.endpoints`. The synced pool object has them ready; a pool object
   * of an older snapshot (a request that started before a reload) or of a pool never synced is
   * resolved by address, with empty states that are not kept for addresses the picker does not know.
   */
  private statesFor(pool: CompiledPool, live: PoolState | undefined): readonly EndpointState[] {
    if (live !== undefined && !live.retired && live.compiled === pool) return live.members;
    return pool.endpoints.map((endpoint) => {
      const known = live?.states.get(endpoint.address);
      if (known) return known;
      const detached = new EndpointState(endpoint.address, endpoint.pod, endpoint.engine);
      detached.member = false;
      return detached;
    });
  }
}
