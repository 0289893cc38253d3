/**
 * The LoRA adapters loaded on the simulated GPU: at most `maxLoras` at once. Loading one costs
 * `loadMs`, paid by the requests that need it while it loads (they all wait for the same load). An
 * adapter can be unloaded only when no running sequence uses it, least recently used first; when
 * every slot is busy with other adapters a request for a new one cannot start (it waits).
 */
interface LoadedAdapter {
  running: number;
  /** Clock time the load completes (in the past once loaded). */
  readyAt: number;
}

export class LoraSlots {
  /** Insertion order is recency: an adapter moves to the end each time a sequence takes it. */
  readonly #loaded = new Map<string, LoadedAdapter>();

  constructor(
    readonly maxLoras: number,
    readonly loadMs: number,
  ) {}

  /** Whether a sequence for `adapter` could start now (loaded, a free slot, or an idle one to unload). */
  canAcquire(adapter: string): boolean {
    if (this.#loaded.has(adapter) || this.#loaded.size < this.maxLoras) return true;
    for (const loaded of this.#loaded.values()) if (loaded.running === 0) return true;
    return false;
  }

  /**
   * Takes `adapter` for one running sequence (check `canAcquire` first), loading it if needed.
   * Returns the clock time it is ready: `now` when it was loaded already.
   */
  acquire(adapter: string, now: number): number {
    let loaded = this.#loaded.get(adapter);
    if (loaded) {
      this.#loaded.delete(adapter);
    } else {
      if (this.#loaded.size >= this.maxLoras) this.#unloadIdle();
      loaded = { running: 0, readyAt: now + this.loadMs };
    }
    loaded.running++;
    this.#loaded.set(adapter, loaded);
    return Math.max(now, loaded.readyAt);
  }

  release(adapter: string): void {
    const loaded = this.#loaded.get(adapter);
    if (loaded && loaded.running > 0) loaded.running--;
  }

  /** Loaded adapter names, least recently used first. */
  loadedAdapters(): string[] {
    return [...this.#loaded.keys()];
  }

  #unloadIdle(): void {
    for (const [name, loaded] of this.#loaded) {
      if (loaded.running === 0) {
        this.#loaded.delete(name);
        return;
      }
    }
    throw new Error("no idle LoRA adapter to unload: check canAcquire() before acquire()");
  }
}
