import type { CompiledPool } from "./compiled-pool.js";
import { EndpointState } from "./endpoint-state.js";
import { PrefixIndex } from "./prefix-index.js";
import { ScrapeLoop, type ScrapeLoopDeps } from "./scrape-loop.js";

export type PoolDeps = Omit<ScrapeLoopDeps, "scraped">;

/**
 * The live state of one InferencePool, across reloads: its endpoints' states by address (members,
 * and removed ones whose requests are still in flight), their scrape loops, the prefix index, the
 * round-robin cursor and the block size prompts are hashed with.
 */
export class PoolState {
  compiled: CompiledPool;
  /** Aligned with compiled.endpoints. */
  members: EndpointState[] = [];
  /** Members and removed endpoints that still have requests in flight (so finished() finds them). */
  readonly states = new Map<string, EndpointState>();
  readonly index = new PrefixIndex();
  cursor = 0;
  /** The pool left the configuration; it stays only while removed endpoints have requests in flight. */
  retired = false;
  /** Tokens per block for hashing: the configured size, or with autoTune the endpoints' majority. */
  blockSizeTokens: number;
  private readonly loops = new Map<string, ScrapeLoop>();

  constructor(
    pool: CompiledPool,
    private readonly deps: PoolDeps,
  ) {
    this.compiled = pool;
    this.blockSizeTokens = pool.picker.prefix.blockSizeTokens;
    this.sync(pool);
  }

  /** Takes the reloaded pool: keeps the state of addresses that remain, starts and stops loops. */
  sync(pool: CompiledPool): void {
    this.compiled = pool;
    this.retired = false;
    const { scrapeIntervalMs, scrapeTimeoutMs } = pool.picker;
    const keep = new Set<string>();
    for (const endpoint of pool.endpoints) {
      if (keep.has(endpoint.address)) continue;
      keep.add(endpoint.address);
      let state = this.states.get(endpoint.address);
      if (state === undefined) {
        state = new EndpointState(endpoint.address, endpoint.pod, endpoint.engine);
        this.states.set(endpoint.address, state);
      }
      state.pod = endpoint.pod;
      state.engine = endpoint.engine;
      state.member = true;
      const loop = this.loops.get(endpoint.address);
      if (loop) loop.retune(scrapeIntervalMs, scrapeTimeoutMs);
      else this.loops.set(endpoint.address, this.startLoop(state));
    }
    // Aligned with pool.endpoints even when an address repeats (it should not).
    this.members = pool.endpoints.map((endpoint) => this.states.get(endpoint.address)!);
    for (const [address, state] of this.states) if (!keep.has(address)) this.remove(state);
    this.retuneBlockSize();
  }

  /** The pool left the configuration: every loop stops; states stay while requests are in flight. */
  retire(): void {
    this.retired = true;
    for (const state of [...this.states.values()]) this.remove(state);
    this.members = [];
  }

  /** A request to `state` finished: a removed endpoint is forgotten with its last request. */
  release(state: EndpointState): void {
    if (state.inFlight > 0) state.inFlight -= 1;
    if (!state.member && state.inFlight === 0) this.states.delete(state.address);
  }

  stop(): void {
    for (const loop of this.loops.values()) loop.stop();
    this.loops.clear();
  }

  /** Blocks an endpoint's LRU keeps: its KV-cache size in blocks when scraped and autoTune, else the setting. */
  capacityOf(state: EndpointState): number {
    const { autoTune, lruCapacityPerServer } = this.compiled.picker.prefix;
    const scraped = state.metrics?.numBlocks;
    return autoTune && scraped !== undefined ? scraped : lruCapacityPerServer;
  }

  private startLoop(state: EndpointState): ScrapeLoop {
    const { scrapeIntervalMs, scrapeTimeoutMs } = this.compiled.picker;
    return new ScrapeLoop(
      state,
      `inference pool ${this.compiled.key} endpoint ${state.address}`,
      scrapeIntervalMs,
      scrapeTimeoutMs,
      { ...this.deps, scraped: () => this.retuneBlockSize() },
    );
  }

  private remove(state: EndpointState): void {
    this.loops.get(state.address)?.stop();
    this.loops.delete(state.address);
    this.index.drop(state.prefix);
    state.member = false;
    if (state.inFlight === 0) this.states.delete(state.address);
  }

  /**
   * With autoTune, prompts are hashed with the block size most members report (ties: the smaller),
   * so one hash per request serves the whole pool; members that report none, or a pool that
   * reports none, use the configured size.
   */
  private retuneBlockSize(): void {
    const { autoTune, blockSizeTokens } = this.compiled.picker.prefix;
    let best = blockSizeTokens;
    if (autoTune) {
      const counts = new Map<number, number>();
      let bestCount = 0;
      for (const state of this.members) {
        const size = state.metrics?.blockSizeTokens;
        if (size === undefined) continue;
        const count = (counts.get(size) ?? 0) + 1;
        counts.set(size, count);
        if (count > bestCount || (count === bestCount && size < best)) {
          best = size;
          bestCount = count;
        }
      }
    }
    this.blockSizeTokens = best;
  }
}
