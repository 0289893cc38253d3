/**
 * One endpoint's entry in a PrefixIndex: the block hashes it is believed to hold in its KV cache, and
 * scratch for the current lookup.
 */
export class PrefixHolder {
  /** Least recently recorded first: a Map keeps insertion order, so it is the LRU. */
  readonly blocks = new Map<number, true>();
  /** Leading blocks of the last lookup this holder has; valid when matchEpoch is that lookup's. */
  matched = 0;
  matchEpoch = 0;
}

/**
 * What the picker sent where (the reference's approximate prefix index): per endpoint an LRU of block
 * hashes, bounded by a capacity, plus the reverse map hash -> endpoints for the lookup. Learned, not
 * observed: after a pick the chosen endpoint is recorded as holding all of the request's blocks.
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

  /** `holder` now holds these blocks; the least recently recorded beyond `capacity` are forgotten. */
  record(holder: PrefixHolder, hashes: Float64Array, count: number, capacity: number): void {
    // Last block first, so the leading blocks (the ones a lookup needs first) are the newest and the
    // last evicted when a prompt has more blocks than the capacity.
    for (let i = count - 1; i >= 0; i--) {
      const hash = hashes[i]!;
      if (holder.blocks.delete(hash)) {
        holder.blocks.set(hash, true);
        continue;
      }
      holder.blocks.set(hash, true);
      const holding = this.holders.get(hash);
      if (holding === undefined) this.holders.set(hash, [holder]);
      else holding.push(holder);
    }
    this.evict(holder, capacity);
  }

  /** Forgets the least recently recorded blocks of `holder` beyond `capacity`. */
  evict(holder: PrefixHolder, capacity: number): void {
    while (holder.blocks.size > capacity) {
      const oldest = holder.blocks.keys().next().value as number;
      holder.blocks.delete(oldest);
      this.unlink(oldest, holder);
    }
  }

  /** Forgets everything `holder` holds (its endpoint left the pool). */
  drop(holder: PrefixHolder): void {
    for (const hash of holder.blocks.keys()) this.unlink(hash, holder);
    holder.blocks.clear();
  }

  /** Distinct hashes held by anyone (for tests and the admin view). */
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
