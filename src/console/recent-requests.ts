import type { RequestRecord } from "../gateway/request-record.js";

/** How many records the console's request list can show. */
export const RECENT_CAPACITY = 1_000;

/** One held record: its sequence number (1, 2, ... in the order they finished) and start time. */
export interface RecentEntry {
  readonly seq: number;
  readonly startEpochMs: number;
  readonly record: RequestRecord;
}

/**
 * The last 1,000 finished requests' decision records of this process, for the console's request
 * list. add() stores the record's reference in a ring (no copy, no entry object: parallel arrays),
 * so a request costs three writes; the record holds no prompt or completion, and neither does this.
 */
export class RecentRequests {
  private readonly records: (RequestRecord | undefined)[];
  private readonly starts: Float64Array;
  /** Sequence number of the newest record; 0 before the first. */
  private last = 0;

  constructor(private readonly capacity = RECENT_CAPACITY) {
    this.records = new Array(capacity).fill(undefined);
    this.starts = new Float64Array(capacity);
  }

  /** One finished request; `endEpochMs` is when it finished. */
  add(record: RequestRecord, endEpochMs: number): void {
    this.last += 1;
    const i = this.last % this.capacity;
    this.records[i] = record;
    this.starts[i] = endEpochMs - record.durationMs;
  }

  /** Sequence number of the newest record (0 before the first): the `after` of the next poll. */
  get lastSeq(): number {
    return this.last;
  }

  /** Held records newer than `afterSeq`, newest first, while `visit` returns true. */
  forEachNewest(afterSeq: number, visit: (entry: RecentEntry) => boolean): void {
    const oldest = Math.max(afterSeq + 1, this.last - this.capacity + 1, 1);
    for (let seq = this.last; seq >= oldest; seq--) {
      const i = seq % this.capacity;
      if (!visit({ seq, startEpochMs: this.starts[i]!, record: this.records[i]! })) return;
    }
  }

  /** The held record of this request id, if it is still held. */
  find(requestId: string): RecentEntry | undefined {
    let found: RecentEntry | undefined;
    this.forEachNewest(0, (entry) => {
      if (entry.record.requestId === requestId) found = entry;
      return found === undefined;
    });
    return found;
  }
}
