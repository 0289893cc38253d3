import type { KvBlockCache } from "./kv-block-cache.js";
import type { LoraSlots } from "./lora-slots.js";

/** What a request asks of the replica before it can run. */
export interface SequenceDemand {
  /** Chained hashes of the prompt's full blocks (prompt-blocks.ts). */
  readonly hashes: readonly number[];
  /** Prompt tokens at 4 bytes a token: what the prefix cache is queried for. */
  readonly promptTokens: number;
  /** Blocks beyond the hashed ones: the partial last prompt block and the generated tokens. */
  readonly anonymousBlocks: number;
  /** The LoRA adapter the request names; undefined for a base model. */
  readonly adapter: string | undefined;
}

export interface ScheduledSequence {
  readonly demand: SequenceDemand;
  /**
   * Called once, when the sequence starts running: `cachedTokens` of its prompt hit the prefix
   * cache; its adapter (if any) is loaded at clock time `adapterReadyAt`.
   */
  start(cachedTokens: number, adapterReadyAt: number): void;
}

export interface SchedulerLimits {
  /** Sequences running at once (vLLM's max-num-seqs); Infinity for unlimited. */
  readonly maxNumSeqs: number;
  /** Sequences waiting at once; a request beyond it is refused. */
  readonly maxWaiting: number;
}

/**
 * vLLM's scheduling loop for one replica: requests wait in FIFO order and start while a slot is
 * free and their blocks fit in the KV cache. The head of the queue blocks the rest when its blocks
 * do not fit (vLLM does not overtake on memory); a request whose adapter cannot be loaded is
 * stepped over, as vLLM's LoRA scheduling does. The clock is injected so tests are deterministic.
 */
export class ReplicaScheduler {
  readonly #waiting: ScheduledSequence[] = [];
  #running = 0;
  /** Prompt tokens looked up in the prefix cache, and the tokens found (vLLM's prefix_cache_*). */
  prefixQueryTokens = 0;
  prefixHitTokens = 0;
  readonly #runningAdapters = new Map<string, number>();
  readonly #waitingAdapters = new Map<string, number>();
  #adaptersChangedAt: number;

  constructor(
    readonly limits: SchedulerLimits,
    readonly kv: KvBlockCache,
    readonly lora: LoraSlots | undefined,
    private readonly now: () => number,
  ) {
    this.#adaptersChangedAt = now();
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Clock time the set of running or waiting adapters last changed (vllm:lora_requests_info). */
  get adaptersChangedAt(): number {
    return this.#adaptersChangedAt;
  }

  runningAdapters(): string[] {
    return [...this.#runningAdapters.keys()];
  }

  waitingAdapters(): string[] {
    return [...this.#waitingAdapters.keys()];
  }

  /**
   * Queues the sequence and starts whatever can start. False (and not queued) when it would have to
   * wait and the waiting queue is full.
   */
  submit(sequence: ScheduledSequence): boolean {
    const full = this.#waiting.length >= this.limits.maxWaiting;
    this.#waiting.push(sequence);
    this.#count(this.#waitingAdapters, sequence.demand.adapter, 1);
    this.#schedule();
    if (!full || this.#waiting.at(-1) !== sequence) return true;
    this.#waiting.pop();
    this.#count(this.#waitingAdapters, sequence.demand.adapter, -1);
    return false;
  }

  /** A waiting sequence whose client went away leaves the queue; a no-op once it runs. */
  cancel(sequence: ScheduledSequence): void {
    const index = this.#waiting.indexOf(sequence);
    if (index === -1) return;
    this.#waiting.splice(index, 1);
    this.#count(this.#waitingAdapters, sequence.demand.adapter, -1);
    this.#schedule();
  }

  /** A running sequence ended: its slot, blocks and adapter are released and waiters may start. */
  finish(sequence: ScheduledSequence): void {
    const { hashes, anonymousBlocks, adapter } = sequence.demand;
    this.#running--;
    this.kv.release(hashes, anonymousBlocks);
    if (adapter !== undefined) this.lora?.release(adapter);
    this.#count(this.#runningAdapters, adapter, -1);
    this.#schedule();
  }

  #schedule(): void {
    for (let i = 0; i < this.#waiting.length && this.#running < this.limits.maxNumSeqs; ) {
      const sequence = this.#waiting[i]!;
      const { hashes, anonymousBlocks, adapter, promptTokens } = sequence.demand;
      if (adapter !== undefined && this.lora && !this.lora.canAcquire(adapter)) {
        i++;
        continue;
      }
      if (!this.kv.fits(hashes, anonymousBlocks)) return;
      this.#waiting.splice(i, 1);
      this.#count(this.#waitingAdapters, adapter, -1);
      this.#count(this.#runningAdapters, adapter, 1);
      this.#running++;
      const cachedTokens = this.kv.allocate(hashes, anonymousBlocks) * this.kv.blockSize;
      this.prefixQueryTokens += promptTokens;
      this.prefixHitTokens += cachedTokens;
      const now = this.now();
      const readyAt = adapter !== undefined && this.lora ? this.lora.acquire(adapter, now) : now;
      sequence.start(cachedTokens, readyAt);
    }
  }

  #count(counts: Map<string, number>, adapter: string | undefined, delta: number): void {
    if (adapter === undefined) return;
    const next = (counts.get(adapter) ?? 0) + delta;
    if (next === 0) counts.delete(adapter);
    else counts.set(adapter, next);
    if (next === 0 || next === delta) this.#adaptersChangedAt = this.now();
  }
}
