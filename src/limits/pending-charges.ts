import type { BucketCharge } from "./counter-store.js";

/** One counter's charges summed while they wait. */
interface Pending {
  readonly key: string;
  amount: number;
  readonly windowEndMs: number;
}

/**
 * Charges a remote store could not take (it was down), summed per counter until it is back, so a
 * budget is not silently under-counted by an outage. Bounded: past `maxKeys` distinct counters a
 * charge to a new counter is dropped and counted, so an outage under heavy traffic with many
 * distinct clients cannot grow memory without end.
 */
export class PendingCharges {
  private readonly byKey = new Map<string, Pending>();
  private droppedCount = 0;

  constructor(readonly maxKeys: number) {}

  /** Distinct counters waiting. */
  get size(): number {
    return this.byKey.size;
  }

  add(charges: readonly BucketCharge[]): void {
    for (const charge of charges) {
      const pending = this.byKey.get(charge.key);
      if (pending !== undefined) pending.amount += charge.amount;
      else if (this.byKey.size < this.maxKeys) {
        this.byKey.set(charge.key, {
          key: charge.key,
          amount: charge.amount,
          windowEndMs: charge.windowEndMs,
        });
      } else this.droppedCount++;
    }
  }

  /** Empties the map, returning what is still worth sending: the counters whose window is not over. */
  take(nowMs: number): BucketCharge[] {
    const live: BucketCharge[] = [];
    for (const pending of this.byKey.values()) if (pending.windowEndMs > nowMs) live.push(pending);
    this.byKey.clear();
    return live;
  }

  /** How many charges were dropped (the map was full) since the last call. */
  takeDropped(): number {
    const dropped = this.droppedCount;
    this.droppedCount = 0;
    return dropped;
  }
}
