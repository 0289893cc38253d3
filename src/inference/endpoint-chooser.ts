import { hashPrefixBlocks } from "../util/prefix-hash.js";
import type { CompiledPool } from "./compiled-pool.js";
import type { EndpointScore, PickInput, PickOutcome, PickReason } from "./endpoint-picker.js";
import type { EndpointState } from "./endpoint-state.js";
import type { PoolState } from "./pool-state.js";
import { kvCacheScore, loraScore, prefixScore, queueScore } from "./scorers.js";

/** Scores in a decision record: the pick and the next best, so a big pool does not bloat every record. */
const MAX_SCORES = 8;

/**
 * One pick over a pool's endpoints (InferencePools.pick resolves the states): candidates from the
 * subset, exclusions and availability, then the configured picker. Synchronous and allocation-light:
 * the scratch arrays are reused from pick to pick (picks never interleave).
 */
export class EndpointChooser {
  private candidates = new Int32Array(16);
  private totals = new Float64Array(16);
  private queues = new Float64Array(16);
  private kvs = new Float64Array(16);
  private prefixes = new Float64Array(16);
  private loras = new Float64Array(16);
  private hashes = new Float64Array(256);

  constructor(private readonly random: () => number) {}

  choose(
    pool: CompiledPool,
    states: readonly EndpointState[],
    live: PoolState | undefined,
    input: PickInput,
    now: number,
  ): PickOutcome {
    const n = pool.endpoints.length;
    if (n === 0) return none(`inference pool ${pool.key} has no Ready endpoint`);
    this.reserve(n);
    const count = this.collect(pool, input);
    if (typeof count === "string") return none(count);
    const s = pool.picker;
    if (s.picker === "random")
      return this.picked(pool, states, this.candidates[Math.floor(this.random() * count)]!, "random");
    if (s.picker === "round-robin") {
      const cursor = live ? live.cursor++ : 0;
      return this.picked(pool, states, this.candidates[cursor % count]!, "round-robin");
    }
    // No candidate scraped within staleAfterMs (startup, a metrics outage): fewest in flight, and no
    // shedding, since nothing is known about the load.
    let recent = false;
    for (let c = 0; c < count && !recent; c++)
      recent = states[this.candidates[c]!]!.freshWithin(now, s.staleAfterMs);
    if (!recent) return this.byInFlight(pool, states, live, input, count);
    // Saturation decides only shedding, as in the reference scheduler: other requests are scored as
    // always. Ignoring prefix affinity when every endpoint is busy would scatter each prefix over the
    // pool, and the cache thrashing that follows keeps every endpoint saturated (the shared-prefix
    // benchmark then falls to round-robin's throughput and stays there).
    const saturated = this.saturated(pool, states, count, now);
    if (saturated) {
      if (input.priority < 0) {
        const { queueDepth, kvCacheUtil, metricsStalenessMs } = s.saturation;
        return {
          kind: "shed",
          message:
            `inference pool ${pool.key} is saturated (no endpoint with queue <= ${queueDepth} and KV cache <= ` +
            `${Math.round(kvCacheUtil * 100)}% and metrics fresher than ${metricsStalenessMs} ms); sheddable request dropped`,
        };
      }
    }
    return this.byScore(pool, states, live, input, count, now, saturated ? "saturated" : "scored");
  }

  /** Fills `candidates`; a string says why there is none. */
  private collect(pool: CompiledPool, input: PickInput): number | string {
    const { endpoints } = pool;
    const { subset, exclude, available } = input;
    if (subset !== undefined && subset.length === 0)
      return `the endpoint subset for inference pool ${pool.key} is empty`;
    let inSubset = 0;
    let count = 0;
    for (let i = 0; i < endpoints.length; i++) {
      const address = endpoints[i]!.address;
      if (subset !== undefined && !subset.includes(address)) continue;
      inSubset += 1;
      if (exclude?.has(address)) continue;
      this.candidates[count++] = i;
    }
    if (inSubset === 0) return `no endpoint of the subset is an endpoint of inference pool ${pool.key}`;
    if (count === 0) return `every endpoint of inference pool ${pool.key} was tried (${inSubset})`;
    if (available === undefined) return count;
    // Ejected endpoints are skipped, unless every candidate is ejected (as Envoy's panic routing).
    let usable = 0;
    for (let c = 0; c < count; c++) if (available(endpoints[this.candidates[c]!]!)) usable += 1;
    if (usable === 0 || usable === count) return count;
    let kept = 0;
    for (let c = 0; c < count; c++) {
      const i = this.candidates[c]!;
      if (available(endpoints[i]!)) this.candidates[kept++] = i;
    }
    return kept;
  }

  /** Not saturated iff some candidate has metrics this fresh and is under both thresholds (unknown = under). */
  private saturated(
    pool: CompiledPool,
    states: readonly EndpointState[],
    count: number,
    now: number,
  ): boolean {
    const { queueDepth, kvCacheUtil, metricsStalenessMs } = pool.picker.saturation;
    for (let c = 0; c < count; c++) {
      const st = states[this.candidates[c]!]!;
      if (!st.freshWithin(now, metricsStalenessMs)) continue;
      const kv = st.metrics?.kvCache;
      if (
        (st.metrics?.waiting ?? 0) + st.sentSinceScrape <= queueDepth &&
        (kv === undefined || kv <= kvCacheUtil)
      )
        return false;
    }
    return true;
  }

  /**
   * The weighted sum of the four scorers, max wins, random tie-break. q is the scraped waiting queue
   * plus the requests in flight that no scrape has seen yet. A stale candidate (no good scrape for staleAfterMs) is
   * ranked by in-flight alone: its q is its in-flight count and it gets no KV-cache, prefix or LoRA
   * credit, so it takes traffic only when the fresh ones are busier.
   */
  private byScore(
    pool: CompiledPool,
    states: readonly EndpointState[],
    live: PoolState | undefined,
    input: PickInput,
    count: number,
    now: number,
    reason: "scored" | "saturated",
  ): PickOutcome {
    const s = pool.picker;
    const { weights } = s;
    const blocks = this.hash(pool, live, input);
    const epoch = blocks > 0 ? live!.index.match(this.hashes, blocks) : 0;
    const isAdapter = weights.lora !== 0 && this.isAdapter(states, count, input.model);
    let minQ = Number.POSITIVE_INFINITY;
    let maxQ = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < count; c++) {
      const st = states[this.candidates[c]!]!;
      const waiting = st.metrics?.waiting;
      const q = !st.freshWithin(now, s.staleAfterMs)
        ? st.inFlight
        : waiting === undefined
          ? Number.NaN
          : waiting + st.sentSinceScrape;
      this.queues[c] = q;
      if (q < minQ) minQ = q;
      if (q > maxQ) maxQ = q;
    }
    let best = 0;
    let bestTotal = Number.NEGATIVE_INFINITY;
    let ties = 0;
    for (let c = 0; c < count; c++) {
      const st = states[this.candidates[c]!]!;
      const fresh = st.freshWithin(now, s.staleAfterMs);
      const queue = queueScore(this.queues[c]!, minQ, maxQ);
      const kv = fresh ? kvCacheScore(st.metrics?.kvCache) : 0;
      const prefix = fresh && blocks > 0 ? prefixScore(live!.index.matchedBy(st.prefix, epoch), blocks) : 0;
      const lora = fresh ? loraScore(input.model, isAdapter, st.metrics?.lora) : 0;
      const total =
        weights.queue * queue + weights.kvCache * kv + weights.prefix * prefix + weights.lora * lora;
      this.queues[c] = queue;
      this.kvs[c] = kv;
      this.prefixes[c] = prefix;
      this.loras[c] = lora;
      this.totals[c] = total;
      if (total > bestTotal) {
        best = c;
        bestTotal = total;
        ties = 1;
      } else if (total === bestTotal && this.random() * ++ties < 1) best = c;
    }
    return this.finish(pool, states, live, blocks, best, count, reason);
  }

  /**
   * No metrics to go by (reason `stale`): the fewest requests in flight wins, random tie-break. Each
   * candidate's record carries its load as a queue-style score (1 = least loaded) in `queue` and `total`.
   */
  private byInFlight(
    pool: CompiledPool,
    states: readonly EndpointState[],
    live: PoolState | undefined,
    input: PickInput,
    count: number,
  ): PickOutcome {
    let minLoad = Number.POSITIVE_INFINITY;
    let maxLoad = Number.NEGATIVE_INFINITY;
    let best = 0;
    let ties = 0;
    for (let c = 0; c < count; c++) {
      const st = states[this.candidates[c]!]!;
      const load = st.inFlight;
      this.totals[c] = load;
      if (load > maxLoad) maxLoad = load;
      if (load < minLoad) {
        minLoad = load;
        best = c;
        ties = 1;
      } else if (load === minLoad && this.random() * ++ties < 1) best = c;
    }
    for (let c = 0; c < count; c++) {
      const score = queueScore(this.totals[c]!, minLoad, maxLoad);
      this.totals[c] = score;
      this.queues[c] = score;
      this.kvs[c] = 0;
      this.prefixes[c] = 0;
      this.loras[c] = 0;
    }
    // The chosen endpoint will cache the prompt whatever the reason it was chosen for.
    return this.finish(pool, states, live, this.hash(pool, live, input), best, count, "stale");
  }

  /** Records the pick in the prefix index and builds the outcome with the best scores first. */
  private finish(
    pool: CompiledPool,
    states: readonly EndpointState[],
    live: PoolState | undefined,
    blocks: number,
    best: number,
    count: number,
    reason: PickReason,
  ): PickOutcome {
    const chosen = this.candidates[best]!;
    const st = states[chosen]!;
    if (blocks > 0 && live !== undefined && st.member)
      live.index.record(st.prefix, this.hashes, blocks, live.capacityOf(st));
    const scores: EndpointScore[] = [this.scoreOf(pool, best)];
    // The next best by total, in order: a selection over the candidates, MAX_SCORES - 1 rounds at most.
    let last = Number.POSITIVE_INFINITY;
    let lastIndex = -1;
    while (scores.length < Math.min(MAX_SCORES, count)) {
      let next = -1;
      for (let c = 0; c < count; c++) {
        if (c === best) continue;
        const t = this.totals[c]!;
        // Strictly after (last, lastIndex) in the order total desc, index asc.
        if (t > last || (t === last && c <= lastIndex)) continue;
        if (next < 0 || t > this.totals[next]!) next = c;
      }
      if (next < 0) break;
      scores.push(this.scoreOf(pool, next));
      last = this.totals[next]!;
      lastIndex = next;
    }
    return { kind: "picked", endpoint: pool.endpoints[chosen]!, headers: st.headers, reason, scores };
  }

  private picked(
    pool: CompiledPool,
    states: readonly EndpointState[],
    i: number,
    reason: PickReason,
  ): PickOutcome {
    return { kind: "picked", endpoint: pool.endpoints[i]!, headers: states[i]!.headers, reason, scores: [] };
  }

  private scoreOf(pool: CompiledPool, c: number): EndpointScore {
    return {
      address: pool.endpoints[this.candidates[c]!]!.address,
      total: this.totals[c]!,
      queue: this.queues[c]!,
      kvCache: this.kvs[c]!,
      prefix: this.prefixes[c]!,
      lora: this.loras[c]!,
    };
  }

  /** Hashes the prompt into `hashes` with the pool's block size; 0 blocks when prefix affinity is off. */
  private hash(pool: CompiledPool, live: PoolState | undefined, input: PickInput): number {
    const { prefix, weights } = pool.picker;
    if (input.prompt === undefined || weights.prefix === 0 || live === undefined) return 0;
    if (this.hashes.length < prefix.maxPrefixBlocks) this.hashes = new Float64Array(prefix.maxPrefixBlocks);
    return hashPrefixBlocks(
      input.model,
      input.prompt,
      live.blockSizeTokens * 4,
      prefix.maxPrefixBlocks,
      this.hashes,
    );
  }

  /** A model is a LoRA adapter when some candidate lists it with a parent or runs or queues it as one. */
  private isAdapter(states: readonly EndpointState[], count: number, model: string): boolean {
    for (let c = 0; c < count; c++) {
      const st = states[this.candidates[c]!]!;
      if (st.adapters.has(model)) return true;
      const lora = st.metrics?.lora;
      if (lora !== undefined && (lora.running.includes(model) || lora.waiting.includes(model))) return true;
    }
    return false;
  }

  private reserve(n: number): void {
    if (this.candidates.length >= n) return;
    const size = Math.max(n, this.candidates.length * 2);
    this.candidates = new Int32Array(size);
    this.totals = new Float64Array(size);
    this.queues = new Float64Array(size);
    this.kvs = new Float64Array(size);
    this.prefixes = new Float64Array(size);
    this.loras = new Float64Array(size);
  }
}

function none(message: string): PickOutcome {
  return { kind: "none", message };
}
