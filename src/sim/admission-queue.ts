/**
 * vLLM-style admission: at most `maxRunning` requests generate at once, the rest wait in FIFO
 * order. The counts are what /metrics publishes as running and waiting requests.
 */
export class AdmissionQueue {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly maxRunning: number) {}

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Undefined when admitted at once, so the common unlimited case allocates no promise. */
  acquire(): Promise<void> | undefined {
    if (this.#running < this.maxRunning) {
      this.#running++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the slot to the next waiting request, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}
