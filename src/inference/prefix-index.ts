/**
 * One endpoint's entry in a PrefixIndex: the block hashes it is believed to hold in its KV cache, and
 * scratch for the current lookup.
 */
export class PrefixHolder {
  /**
   * Block hash -> recorded again since it last reached the front. In insertion order: the front is
   * the next to evict (CLOCK, the second-chance approximation of LRU).
   */
  readonly blocks = new Map<number, boolean>();
  /** Leading blocks of the last lookup this holder has; valid when matchEpoch is that lookup's. */
  matched = 0;
  matchEpoch = 0;
}

/**
 * What the picker sent where (the reference's approximate prefix index): per endpoint a bounded set
 * of block hashes, plus the reverse map hash -> endpoints for the lookup. Learned, not observed:
 * after a pick the chosen endpoint is recorded as holding all of the request's blocks.
 *
 * Eviction is CLOCK rather than an exact LRU: recording a block it already holds only marks it
 * (one Map write), and a marked block that reaches the front is moved to the back unmarked instead
 * of evicted. An exact LRU moves every recorded block to the back (a delete and an insert each),
 * five times the cost on the request path for 128 blocks of an 8 KB prompt; which blocks survive
 * differs only among blocks recorded about equally long ago.
 */
export class PrefixIndex {
  private readonly holders = new Map<number, PrefixHolder[]>();
  private epoch = 0;

  /**
   * Counts, for every holder, how many of the leading `count` blocks it holds, walking in order and
   * stopping at the first block held nowhere. Returns the lookup's epoch for `matchedBy`.
   */
  match(hashes: Float64Array, count: number): number {
    const epoch = ++this.epoch;
    for (let i = 0; i < count; i++) {
      const holding = this.holders.get(hashes[i]!);
      if (holding === undefined) break;
      for (const holder of holding) {
        if (holder.matchEpoch !== epoch) {
          holder.matchEpoch = epoch;
          holder.matched = 0;
        }
        holder.matched += 1;
      }
    }
    return epoch;
  }

  matchedBy(holder: PrefixHolder, epoch: number): number {
    return holder.matchEpoch === epoch ? holder.matched : 0;
  }

  /** `holder` now holds these blocks; beyond `capacity` the least recently recorded are forgotten. */
  record(holder: PrefixHolder, hashes: Float64Array, count: number, capacity: number): void {
    const { blocks } = holder;
    // Last block first, so the leading blocks (the ones a lookup needs first) are the newest and the
    // last evicted when a prompt has more blocks than the capacity.
    for (let i = count - 1; i >= 0; i--) {
      const hash = hashes[i]!;
      const before = blocks.size;
      blocks.set(hash, true);
      if (blocks.size === before) continue;
      // New: its place at the back is its recency, so it starts unmarked.
      blocks.set(hash, false);
      const holding = this.holders.get(hash);
      if (holding === undefined) this.holders.set(hash, [holder]);
      else holding.push(holder);
    }
    this.evict(holder, capacity);
  }

  /** Forgets blocks of `holder` beyond `capacity`, giving marked ones at the front a second chance. */
  evict(holder: PrefixHolder, capacity: number): void {
    const { blocks } = holder;
    while (blocks.size > capacity) {
      const [oldest, marked] = blocks.entries().next().value as [number, boolean];
      blocks.delete(oldest);
      if (marked) blocks.set(oldest, false);
      else this.unlink(oldest, holder);
    }
  }

  /** Forgets everything `holder` holds (its endpoint left the pool). */
  drop(holder: PrefixHolder): void {
    for (const hash of holder.blocks.keys()) this.unlink(hash, holder);
    holder.blocks.clear();
  }

  /** Distinct hashes held by any endpoint. */
  get size(): number {
    return this.holders.size;
  }

  private unlink(hash: number, holder: PrefixHolder): void {
    const holding = this.holders.get(hash);
    if (holding === undefined) return;
    const at = holding.indexOf(holder);
    if (at < 0) return;
    holding[at] = holding[holding.length - 1]!;
    holding.pop();
    if (holding.length === 0) this.holders.delete(hash);
  }
}
