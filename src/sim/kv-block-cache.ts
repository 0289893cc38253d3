/**
 * A vLLM-style paged KV cache with automatic prefix caching. A block is in use while a running
 * sequence holds it (reference counted, so sequences sharing a prefix share its blocks); when the
 * last holder finishes it stays cached but evictable, least recently used first, until a new
 * allocation needs the room. Prompt blocks are named by their chained hash (prompt-blocks.ts) and
 * can be hit by a later prompt; the rest of a sequence (the partial last prompt block and the
 * generated tokens) is anonymous and simply freed.
 */
export class KvBlockCache {
  /** hash -> number of running sequences holding the block. */
  readonly #refs = new Map<number, number>();
  /** Cached blocks no sequence holds, oldest first (a Set iterates in insertion order). */
  readonly #evictable = new Set<number>();
  #hashedInUse = 0;
  #anonymousInUse = 0;

  constructor(
    readonly capacity: number,
    /** Tokens per block. */
    readonly blockSize: number,
  ) {}

  /** Blocks held by running sequences. */
  get inUse(): number {
    return this.#hashedInUse + this.#anonymousInUse;
  }

  /** Blocks cached for reuse that an allocation may evict. */
  get evictable(): number {
    return this.#evictable.size;
  }

  /** Leading blocks of `hashes` that are cached (in use or evictable): the prefix-cache hit. */
  hitBlocks(hashes: readonly number[]): number {
    let hits = 0;
    while (hits < hashes.length && this.#refs.has(hashes[hits]!)) hits++;
    return hits;
  }

  /** Whether `hashes` plus `anonymous` more blocks fit in free and evictable blocks right now. */
  fits(hashes: readonly number[], anonymous: number): boolean {
    let needed = anonymous;
    let reusedEvictable = 0;
    for (const hash of hashes) {
      const refs = this.#refs.get(hash);
      if (refs === undefined) needed++;
      else if (refs === 0) reusedEvictable++;
    }
    const free = this.capacity - this.inUse - this.#evictable.size;
    return needed <= free + this.#evictable.size - reusedEvictable;
  }

  /**
   * Takes the blocks of a sequence that fits (check `fits` first), evicting least recently used
   * cached blocks as needed. Returns the prefix-cache hit in blocks.
   */
  allocate(hashes: readonly number[], anonymous: number): number {
    const hits = this.hitBlocks(hashes);
    // Claim cached blocks first so the evictions below cannot take one this sequence reuses.
    for (const hash of hashes) {
      const refs = this.#refs.get(hash);
      if (refs === undefined) continue;
      if (refs === 0) {
        this.#evictable.delete(hash);
        this.#hashedInUse++;
      }
      this.#refs.set(hash, refs + 1);
    }
    for (const hash of hashes) {
      if (this.#refs.has(hash)) continue;
      this.#makeRoom();
      this.#refs.set(hash, 1);
      this.#hashedInUse++;
    }
    for (let i = 0; i < anonymous; i++) {
      this.#makeRoom();
      this.#anonymousInUse++;
    }
    return hits;
  }

  /** Returns a finished sequence's blocks: hashed ones become evictable, anonymous ones free. */
  release(hashes: readonly number[], anonymous: number): void {
    // Last block first, so under pressure a prefix loses its tail before its head (as vLLM does).
    for (let i = hashes.length - 1; i >= 0; i--) {
      const hash = hashes[i]!;
      const refs = this.#refs.get(hash);
      if (refs === undefined || refs === 0) continue;
      this.#refs.set(hash, refs - 1);
      if (refs === 1) {
        this.#hashedInUse--;
        this.#evictable.add(hash);
      }
    }
    this.#anonymousInUse -= anonymous;
  }

  #makeRoom(): void {
    if (this.inUse + this.#evictable.size < this.capacity) return;
    const oldest = this.#evictable.values().next();
    if (oldest.done) throw new Error("KV cache over-allocated: check fits() before allocate()");
    this.#evictable.delete(oldest.value);
    this.#refs.delete(oldest.value);
  }
}
