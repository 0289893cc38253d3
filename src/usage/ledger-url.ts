import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where a ledger is kept, from its URL. */
export type LedgerTarget =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string };

/** The file `aigw run` keeps its ledger in unless told otherwise. */
export const DEFAULT_LEDGER_FILE = "ledger.sqlite";

/** `$AIGW_DATA_HOME`, else `~/.local/share/aigw`: the ledger file and spilled records live there. */
export function dataHomeOf(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.AIGW_DATA_HOME;
  return configured ? resolve(configured) : join(homedir(), ".local", "share", "aigw");
}

/**
 * Parses a ledger URL: `sqlite:///abs/path` (or `sqlite:/abs/path`) and `sqlite:rel/path` (from the
 * working directory) name a SQLite file; `postgres://...` and `postgresql://...` a PostgreSQL
 * database, passed to the driver as written (user, password, host, port, database, `?sslmode=`...).
 * Throws with a message saying what is expected.
 */
export function parseLedgerUrl(text: string): LedgerTarget {
  if (text.startsWith("sqlite:")) {
    const rest = text.slice("sqlite:".length);
    // `sqlite://host/...` would name a host; only the empty authority of `sqlite:///...` makes sense.
    if (rest.startsWith("//") && !rest.startsWith("///")) {
      throw new Error(
        `"${text}": a SQLite URL has no host; use sqlite:///absolute/path or sqlite:relative/path`,
      );
    }
    const path = rest.startsWith("//") ? rest.slice(2) : rest;
    if (path === "" || path.endsWith("/")) throw new Error(`"${text}": the SQLite URL names no file`);
    return { kind: "sqlite", path: resolve(path) };
  }
  if (text.startsWith("postgres://") || text.startsWith("postgresql://")) {
    if (!URL.canParse(text)) throw new Error(`"${redactPassword(text)}": not a valid PostgreSQL URL`);
    return { kind: "postgres", url: text };
  }
  throw new Error(`expected sqlite:PATH, postgres://... or off, got "${redactPassword(text)}"`);
}

/** The URL with its password replaced, for logs and error messages. */
export function redactPassword(text: string): string {
  return text.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}
