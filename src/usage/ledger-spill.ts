import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, renameSync } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { LedgerRow } from "./ledger-row.js";
import { isAlive } from "./pid-lock-file.js";

/**
 * Records the ledger could not write in time (its database unreachable for longer than memory
 * allows, or at shutdown), kept as JSON lines under `<data home>/ledger-spill/` until they are
 * written. Each spill is a file of its own, named `<destination>.<pid>.<time>-<n>.jsonl`:
 * `<destination>` (a hash of the ledger's file or URL) keeps the records of one database apart from
 * another's, and the pid says whose it is. A process replays its own files and those of processes
 * that are gone (a previous run, a crash), taking them over by an atomic rename, so two processes
 * sharing the directory never replay one file twice. A data home is meant for one process.
 */
export class LedgerSpill {
  readonly directory: string;
  private readonly prefix: string;
  private sequence = 0;
  /** Files being written now: not replayed until complete. */
  private readonly writing = new Set<string>();
  private pending: Promise<void> = Promise.resolve();

  constructor(dataHome: string, destination: string) {
    this.directory = join(dataHome, "ledger-spill");
    this.prefix = createHash("sha256").update(destination).digest("hex").slice(0, 16);
  }

  /**
   * Writes `rows` to a new file (synced before it counts as written), after any spill still being
   * written; resolves with the file, or rejects when it cannot be written.
   */
  write(rows: readonly LedgerRow[]): Promise<string> {
    const name = `${this.prefix}.${process.pid}.${Date.now()}-${this.sequence++}.jsonl`;
    const path = join(this.directory, name);
    this.writing.add(name);
    const text = `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`;
    const written = this.pending.then(async () => {
      mkdirSync(this.directory, { recursive: true });
      const file = await open(path, "wx");
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
    });
    const done = (): void => {
      this.writing.delete(name);
    };
    this.pending = written.then(done, done);
    return written.then(() => path);
  }

  /** Resolves when every spill started so far is on disk (or failed). */
  idle(): Promise<void> {
    return this.pending;
  }

  /**
   * The files to replay, oldest first: this process's own (complete ones) and, renamed to be this
   * process's, those of processes that no longer run. Files of live processes are theirs to replay.
   */
  claim(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch {
      return [];
    }
    const own: string[] = [];
    for (const name of names) {
      const parts = name.split(".");
      if (parts.length !== 4 || parts[0] !== this.prefix || parts[3] !== "jsonl") continue;
      const pid = Number(parts[1]);
      if (pid === process.pid) {
        if (!this.writing.has(name)) own.push(name);
        continue;
      }
      if (isAlive(pid)) continue;
      const claimed = `${this.prefix}.${process.pid}.${parts[2]}.jsonl`;
      try {
        renameSync(join(this.directory, name), join(this.directory, claimed));
        own.push(claimed);
      } catch {
        // Another process claimed it first.
      }
    }
    own.sort((a, b) => spillTime(a) - spillTime(b) || a.localeCompare(b));
    return own.map((name) => join(this.directory, name));
  }

  /**
   * The rows of a spill file. A line that does not parse (the end of a file cut by a crash) is
   * counted and skipped.
   */
  async read(path: string): Promise<{ rows: LedgerRow[]; unreadable: number }> {
    const rows: LedgerRow[] = [];
    let unreadable = 0;
    for (const line of (await readFile(path, "utf8")).split("\n")) {
      if (line === "") continue;
      try {
        rows.push(JSON.parse(line) as LedgerRow);
      } catch {
        unreadable += 1;
      }
    }
    return { rows, unreadable };
  }

  /** A replayed file is done with. */
  remove(path: string): Promise<void> {
    return unlink(path).catch(() => undefined);
  }
}

/** The epoch ms in a spill file's name. */
function spillTime(name: string): number {
  return Number(name.split(".")[2]?.split("-")[0]);
}
