import { parentPort, workerData } from "node:worker_threads";
import { reasonOf } from "./ledger.js";
import type { LedgerPageQuery } from "./ledger-store.js";
import { LedgerUnavailableError } from "./ledger-store.js";
import type { EncodedBatch } from "./sqlite-ledger-batch.js";
import { SqliteLedgerStore } from "./sqlite-ledger-store.js";
import type { RollupQuery } from "./usage-rollup.js";

/**
 * The worker thread a WorkerLedgerStore runs the SQLite store in (worker-ledger-store.ts has the
 * why). It opens the file `workerData.path`, says "ready" (or "failed"), then answers each request
 * message with the store's result under the request's id.
 */

/** A request from the gateway's thread: a store method and its argument. */
export interface WorkerRequest {
  readonly id: number;
  readonly op: "open" | "insert" | "page" | "rollup" | "close";
  /** insert: the batch encoded on the gateway's thread; page, rollup: the query. */
  readonly arg?: EncodedBatch | LedgerPageQuery | RollupQuery;
}

/** What the worker posts: its start, or a request's answer. */
export type WorkerMessage =
  | { readonly kind: "ready"; readonly name: string }
  | { readonly kind: "failed"; readonly error: WorkerError }
  | { readonly kind: "answer"; readonly id: number; readonly result?: unknown; readonly error?: WorkerError };

/** An error as it crosses threads: what `Ledger` logs, and whether the ledger cannot be used at all. */
export interface WorkerError {
  readonly message: string;
  readonly unavailable: boolean;
}

const port = parentPort;
if (!port) throw new Error("ledger-store-worker.js runs as a worker thread");
const post = (message: WorkerMessage) => port.postMessage(message);

function workerError(err: unknown): WorkerError {
  return { message: reasonOf(err), unavailable: err instanceof LedgerUnavailableError };
}

function answer(store: SqliteLedgerStore, request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      return store.open();
    case "insert":
      return store.insertEncoded(request.arg as EncodedBatch);
    case "page":
      return store.page(request.arg as LedgerPageQuery);
    case "rollup":
      // As stored, not as rows: tens of thousands of objects cost more to clone across than to make.
      return store.rollupStored(request.arg as RollupQuery);
    case "close":
      return store.close();
  }
}

try {
  const store = await SqliteLedgerStore.open((workerData as { path: string }).path);
  port.on("message", (request: WorkerRequest) => {
    answer(store, request).then(
      (result) => post({ kind: "answer", id: request.id, result }),
      (err: unknown) => post({ kind: "answer", id: request.id, error: workerError(err) }),
    );
  });
  post({ kind: "ready", name: store.name });
} catch (err) {
  post({ kind: "failed", error: workerError(err) });
}
