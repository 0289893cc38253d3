import { parentPort, workerData } from "node:worker_threads";
import type { LedgerStore } from "./ledger-store.js";
import { LedgerUnavailableError } from "./ledger-store.js";
import type { LedgerTarget } from "./ledger-url.js";
import { PostgresLedgerStore } from "./postgres-ledger-store.js";
import { SqliteLedgerStore } from "./sqlite-ledger-store.js";

/**
 * The worker thread a WorkerLedgerStore runs its store in (worker-ledger-store.ts has the why).
 * It opens the store its `workerData.target` names, says "ready" (or "failed"), then answers each
 * request message with the store's result under the request's id. Store log lines go to the
 * gateway's log by message.
 */

/** A request from the gateway's thread: a LedgerStore method and its argument. */
export interface WorkerRequest {
  readonly id: number;
  readonly op: "open" | "insert" | "page" | "close";
  readonly arg?: unknown;
}

/** What the worker posts: its start, a request's answer, or a log line. */
export type WorkerMessage =
  | { readonly kind: "ready"; readonly name: string }
  | { readonly kind: "failed"; readonly error: WorkerError }
  | { readonly kind: "answer"; readonly id: number; readonly result?: unknown; readonly error?: WorkerError }
  | { readonly kind: "log"; readonly line: string };

/** An error as it crosses threads: what `Ledger` logs, and whether the ledger cannot be used at all. */
export interface WorkerError {
  readonly message: string;
  readonly unavailable: boolean;
}

const port = parentPort;
if (!port) throw new Error("ledger-store-worker.js runs as a worker thread");
const post = (message: WorkerMessage) => port.postMessage(message);

function workerError(err: unknown): WorkerError {
  const unavailable = err instanceof LedgerUnavailableError;
  if (!(err instanceof Error)) return { message: String(err), unavailable };
  // Node's connection errors can have an empty message (AggregateError) but a code.
  const message = err.message || (err as NodeJS.ErrnoException).code || err.name;
  return { message, unavailable };
}

async function openStore(target: LedgerTarget): Promise<LedgerStore> {
  if (target.kind === "sqlite") return SqliteLedgerStore.open(target.path);
  return PostgresLedgerStore.create(target.url, (line) => post({ kind: "log", line }));
}

async function answer(store: LedgerStore, request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      return store.open();
    case "insert":
      return store.insert(request.arg as Parameters<LedgerStore["insert"]>[0]);
    case "page":
      return store.page(request.arg as Parameters<LedgerStore["page"]>[0]);
    case "close":
      return store.close();
  }
}

try {
  const store = await openStore((workerData as { target: LedgerTarget }).target);
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
