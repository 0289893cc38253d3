import { randomFillSync } from "node:crypto";

/** Random bytes drawn per refill: 256 trace ids' worth, so the system call is rare. */
const POOL_BYTES = 4096;

/**
 * W3C trace and span ids (lower-case hex of 16 and 8 random bytes) cut from a pool of
 * cryptographic randomness refilled when used up: every request gets a span id and most a trace
 * id, also when its span is not sampled, so this is on the request path.
 */
export class TraceIds {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private offset = POOL_BYTES;

  /** 32 hex digits, never all zero (an invalid trace id). */
  traceId(): string {
    return this.next(16, "00000000000000000000000000000000");
  }

  /** 16 hex digits, never all zero (an invalid span id). */
  spanId(): string {
    return this.next(8, "0000000000000000");
  }

  private next(bytes: number, invalid: string): string {
    for (;;) {
      if (this.offset + bytes > POOL_BYTES) {
        randomFillSync(this.pool);
        this.offset = 0;
      }
      const id = this.pool.toString("hex", this.offset, this.offset + bytes);
      this.offset += bytes;
      if (id !== invalid) return id;
    }
  }
}
