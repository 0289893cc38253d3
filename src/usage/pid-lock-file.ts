import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";

/**
 * Takes `path` as a lock file holding this process's pid, created exclusively; returns the release.
 * A lock whose process is gone (a crash, a SIGKILL, a container restarted with the same pid) is taken
 * over. Throws `inUse(pid)` when a live process holds it.
 *
 * Two processes taking over the same stale lock in the same instant could both succeed; starting two
 * processes on one file after a crash is already the mistake this lock reports, so the window is left.
 */
export function acquirePidLock(path: string, inUse: (pid: number) => Error): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = lockHolder(path);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw inUse(holder);
      unlinkSync(path);
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return () => {
      // Only our own lock: one taken over meanwhile belongs to someone else now.
      if (lockHolder(path) === process.pid) unlinkSync(path);
    };
  }
  throw inUse(lockHolder(path) ?? 0);
}

function lockHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Signal 0 checks that a process exists; EPERM means it does, as another user's. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
