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
  if (target.kind === "sqlite") {
    store = await WorkerLedgerStore.open(target.path);
    destination = target.path;
  } else {
    store = await PostgresLedgerStore.create(target.url, log);
    destination = redactPassword(target.url);
  }
  const settings = { ...DEFAULT_LEDGER_SETTINGS, ...options.settings };
  return new Ledger(store, new LedgerSpill(dataHome, destination), settings, log);
}
