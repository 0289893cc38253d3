import { DEFAULT_LEDGER_SETTINGS, Ledger, type LedgerSettings } from "./ledger.js";
import { LedgerSpill } from "./ledger-spill.js";
import type { LedgerStore } from "./ledger-store.js";
import { dataHomeOf, parseLedgerUrl, redactPassword } from "./ledger-url.js";
import { PostgresLedgerStore } from "./postgres-ledger-store.js";
import { WorkerLedgerStore } from "./worker-ledger-store.js";

export interface LedgerOptions {
  /** `sqlite:///abs/path`, `sqlite:rel/path`, `postgres://...` or `postgresql://...` (see docs/ledger.md). */
  readonly url: string;
  /** Where spilled records are kept; default `$AIGW_DATA_HOME`, else `~/.local/share/aigw`. */
  readonly dataHome?: string;
  /** Batching, buffering and retry; tests shorten them. */
  readonly settings?: Partial<LedgerSettings>;
}

/**
 * PostgreSQL's batches are larger: a batch costs the gateway four socket writes whatever its size
 * (BEGIN, the COPY statement, the rows, the rollups with COMMIT), and each wakes the server's
 * process on another core, which on a virtual machine took ≈ 0.5 ms of this process's CPU a write
 * (profiled): ≈ 5 µs a record at 500 a batch. At 2,000 the gateway served ≈ 2.5 % more requests a
 * second with the same core (BENCHMARKS.md, 2026-12-04 evening). SQLite keeps 500: its batch is one
 * blob that the usage API reads whole to page through records.
 */
const POSTGRES_BATCH_SIZE = 2_000;

/**
 * Opens the ledger a URL names. A SQLite file that cannot be used (another process holds it) throws
 * LedgerUnavailableError; an unreachable PostgreSQL does not: the ledger starts buffering and
 * creates its schema when the database answers.
 */
export async function openLedger(
  options: LedgerOptions,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): Promise<Ledger> {
  const target = parseLedgerUrl(options.url);
  const dataHome = options.dataHome ?? dataHomeOf(env);
  let store: LedgerStore;
  let destination: string;
  let defaults = DEFAULT_LEDGER_SETTINGS;
  if (target.kind === "sqlite") {
    store = await WorkerLedgerStore.open(target.path);
    destination = target.path;
  } else {
    store = await PostgresLedgerStore.create(target.url, log);
    destination = redactPassword(target.url);
    defaults = { ...DEFAULT_LEDGER_SETTINGS, batchSize: POSTGRES_BATCH_SIZE };
  }
  const settings = { ...defaults, ...options.settings };
  return new Ledger(store, new LedgerSpill(dataHome, destination), settings, log);
}
