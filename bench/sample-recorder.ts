import type { LoadResult } from "./load-job.js";
import { type LatencySummary, summarize } from "./percentiles.js";

/** Collects per-request timings of the measured window; grows without per-sample allocation. */
export class SampleRecorder {
  #latency = new Float64Array(1 << 16);
  #firstByte = new Float64Array(1 << 16);
  #count = 0;
  completed = 0;
  /** Requests that failed or answered with a status other than 200, by status (0 = failed). */
  readonly failures = new Map<number, number>();

  record(status: number, startNs: bigint, firstByteNs: bigint, endNs: bigint): void {
    if (status !== 200) {
      this.failures.set(status, (this.failures.get(status) ?? 0) + 1);
      return;
    }
    if (this.#count === this.#latency.length) {
      this.#latency = grow(this.#latency);
      this.#firstByte = grow(this.#firstByte);
    }
    this.#latency[this.#count] = Number(endNs - startNs) / 1e6;
    this.#firstByte[this.#count] = Number(firstByteNs - startNs) / 1e6;
    this.#count++;
    this.completed++;
  }

  latency(): LatencySummary {
    return summarize(this.#latency.subarray(0, this.#count));
  }

  firstByte(): LatencySummary {
    return summarize(this.#firstByte.subarray(0, this.#count));
  }

  /** What a load run reports for its measured window (the caller adds its own extras). */
  result(mode: LoadResult["mode"], elapsedSeconds: number): LoadResult {
    return {
      mode,
      completed: this.completed,
      failures: Object.fromEntries(this.failures),
      elapsedSeconds,
      requestsPerSecond: this.completed / elapsedSeconds,
      latency: this.latency(),
      firstByte: this.firstByte(),
      clientCpuSeconds: 0,
    };
  }

  failureCount(): number {
    let total = 0;
    for (const count of this.failures.values()) total += count;
    return total;
  }
}

function grow(array: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
