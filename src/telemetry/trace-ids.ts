import { randomFillSync } from "node:crypto";

/** Random bytes drawn per refill: 170 root requests' worth, so the system call is rare. */
const POOL_BYTES = 4096;
/** A root request's ids: its trace id (16 bytes) and its span id (8 bytes), drawn together. */
const ROOT_BYTES = 24;

/**
 * W3C trace and span ids (lower-case hex of 16 and 8 random bytes) cut from a pool of
 * cryptographic randomness refilled when used up: every request gets a span id and most a trace
 * id, also when its span is not sampled, so this is on the request path.
 */
export class TraceIds {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private offset = POOL_BYTES;
  /**
   * The last `root()` trace id's ratio key: what the OpenTelemetry trace-id ratio sampler compares
   * with its bound, the XOR of the id's four 32-bit big-endian words (@opentelemetry/sdk-trace's
   * TraceIdRatioBasedSampler).
   */
  rootRatioKey = 0;

  /**
   * A root request's trace id and span id as 48 hex digits (32 then 16), neither all zero, in one
   * conversion; `rootRatioKey` is then its trace id's ratio key, read from the bytes so that the
   * sampling decision needs no parsing of the hex.
   */
  root(): string {
    for (;;) {
      if (this.offset + ROOT_BYTES > POOL_BYTES) this.refill();
      const at = this.offset;
      this.offset += ROOT_BYTES;
      const p = this.pool;
      const key =
        (p.readUInt32BE(at) ^ p.readUInt32BE(at + 4) ^ p.readUInt32BE(at + 8) ^ p.readUInt32BE(at + 12)) >>>
        0;
      const traceZero = key === 0 && p.readBigUInt64BE(at) === 0n && p.readBigUInt64BE(at + 8) === 0n;
      if (traceZero || p.readBigUInt64BE(at + 16) === 0n) continue;
      this.rootRatioKey = key;
      return p.toString("hex", at, at + ROOT_BYTES);
    }
  }

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
      if (this.offset + bytes > POOL_BYTES) this.refill();
      const id = this.pool.toString("hex", this.offset, this.offset + bytes);
      this.offset += bytes;
      if (id !== invalid) return id;
    }
  }

  private refill(): void {
    randomFillSync(this.pool);
    this.offset = 0;
  }
}
