import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { LedgerRow } from "./ledger-row.js";
import type { LedgerPageQuery, LedgerStore } from "./ledger-store.js";
import { LedgerUnavailableError } from "./ledger-store.js";
import type { WorkerError, WorkerMessage, WorkerRequest } from "./ledger-store-worker.js";
import { encodeBatch } from "./sqlite-ledger-batch.js";
import { rollupRows, type StoredRollup } from "./sqlite-ledger-rollups.js";
import { claimInProcess } from "./sqlite-ledger-store.js";
import type { RollupQuery, RollupRow } from "./usage-rollup.js";

const WORKER_URL = new URL("./ledger-store-worker.js", import.meta.url);

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/**
 * The SQLite store run in a worker thread. Its binding is synchronous, file I/O included: on the
 * gateway's thread a write-ahead log checkpoint, which syncs the file, held a batch for 15-30 ms
 * and every request with it. Here the gateway's thread encodes a batch (sqlite-ledger-batch.ts,
 * ≈ 1 µs a record) and hands the text over; the insert, the I/O and the page reads happen beside
 * it, on another core when there is one.
 *
 * Requests are answered by id, so reads (the usage API) and writes overlap as they do in the
 * stores themselves. The worker keeps the process alive only while a request is out. If the thread
 * dies, the requests out fail (the ledger retries them) and the next one starts a new thread.
 */
export class WorkerLedgerStore implements LedgerStore {
  private worker: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Workers whose store is open and whose thread has not exited. */
  private readonly live = new WeakSet<Worker>();
  private nextId = 1;
  private closed = false;
  /** The store's own name, as its worker reported it. */
  private storeName = "";
  /** Gives up this process's claim on the SQLite file. */
  private releaseFile: () => void = () => undefined;

  private constructor(private readonly path: string) {}

  /** Starts the worker and opens the file in it; throws what SqliteLedgerStore.open throws. */
  static async open(path: string): Promise<WorkerLedgerStore> {
    const store = new WorkerLedgerStore(path);
    store.releaseFile = claimInProcess(path);
    try {
      await store.start();
    } catch (err) {
      store.releaseFile();
      throw err;
    }
    return store;
  }

  get name(): string {
    return this.storeName;
  }

  open(): Promise<void> {
    return this.request("open") as Promise<void>;
  }

  insert(rows: readonly LedgerRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.request("insert", encodeBatch(rows)) as Promise<void>;
  }

  page(query: LedgerPageQuery): Promise<LedgerRow[]> {
    return this.request("page", query) as Promise<LedgerRow[]>;
  }

  rollup(query: RollupQuery): Promise<RollupRow[]> {
    return (this.request("rollup", query) as Promise<StoredRollup>).then(rollupRows);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.request("close");
    } finally {
      this.closed = true;
      this.releaseFile();
      const worker = await this.worker?.catch(() => undefined);
      await worker?.terminate();
    }
  }

  /** Ends the worker thread as a crash would; the next request starts another. For tests. */
  async crashWorker(): Promise<void> {
    const worker = await this.worker;
    if (!worker) return;
    const exited = once(worker, "exit");
    await worker.terminate();
    await exited;
  }

  private async request(op: WorkerRequest["op"], arg?: WorkerRequest["arg"]): Promise<unknown> {
    if (this.closed) throw new Error(`the ledger ${this.name} is closed`);
    let worker = await (this.worker ?? this.start());
    // A thread that died since: a message to it would never be answered.
    if (!this.live.has(worker)) worker = await this.start();
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) worker.ref();
    worker.postMessage({ id, op, arg } satisfies WorkerRequest);
    return answer;
  }

  /** Starts a worker; resolves once its store is open. */
  private start(): Promise<Worker> {
    const worker = new Worker(WORKER_URL, { workerData: { path: this.path } });
    const started = new Promise<Worker>((resolve, reject) => {
      worker.on("message", (message: WorkerMessage) => {
        switch (message.kind) {
          case "ready":
            this.storeName = message.name;
            this.live.add(worker);
            worker.unref();
            resolve(worker);
            return;
          case "failed":
            reject(fromWorker(message.error));
            return;
          case "answer":
            this.settle(worker, message.id, message.result, message.error);
        }
      });
      worker.on("error", (err) => reject(err));
      worker.on("exit", (code) => {
        this.live.delete(worker);
        reject(new Error(`the ledger's worker thread stopped before it opened (exit code ${code})`));
        this.onExit(started, code);
      });
    });
    this.worker = started;
    // An unhandled rejection here is the caller's to see (open, or the request that started it).
    started.catch(() => undefined);
    return started;
  }

  private settle(worker: Worker, id: number, result: unknown, error: WorkerError | undefined): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0) worker.unref();
    if (error) pending.reject(fromWorker(error));
    else pending.resolve(result);
  }

  private onExit(exited: Promise<Worker>, code: number): void {
    if (this.worker === exited) this.worker = undefined;
    const stopped = new Error(`the ledger's worker thread stopped (exit code ${code})`);
    for (const pending of this.pending.values()) pending.reject(stopped);
    this.pending.clear();
  }
}

function fromWorker(error: WorkerError): Error {
  return error.unavailable ? new LedgerUnavailableError(error.message) : new Error(error.message);
}
