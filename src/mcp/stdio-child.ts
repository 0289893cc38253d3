import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import type { Readable } from "node:stream";

export interface StdioChildOptions {
  /** The server's name in the MCP servers file: prefixes its log lines. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Merged over the gateway's own environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  /** First restart delay; doubles per crash up to `maxRestartMs` (default 100 ms and 10 s). */
  readonly restartMs?: number;
  readonly maxRestartMs?: number;
  /** One JSON value per stdout line. */
  readonly onMessage: (message: unknown) => void;
  /** The process is running (again); not called for the first start. */
  readonly onRestart: () => void;
  /** The process ended (or could not be started); a restart follows unless closed. */
  readonly onExit: () => void;
}

/** How long a child that was asked to stop may take before it is killed. */
const STOP_GRACE_MS = 2_000;
/** A child that ran this long before it died is not crash-looping: its next restart is quick again. */
const STABLE_MS = 10_000;

/**
 * A stdio MCP server process: newline-delimited JSON-RPC on its stdin and stdout (the MCP stdio
 * transport), its stderr copied to the gateway's log line by line, restarted with exponential
 * backoff when it dies, stopped (SIGTERM, then SIGKILL) by `close()`.
 */
export class StdioChild {
  private child: ChildProcessWithoutNullStreams | undefined;
  private closed = false;
  private crashes = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: StdioChildOptions) {}

  /** Starts the process; rejects when it cannot be started at all (no such command ...). */
  start(): Promise<void> {
    return this.spawnChild();
  }

  /** The running process's id (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Writes one message as one line; false when no process is running to take it. */
  send(message: unknown): boolean {
    const child = this.child;
    if (!child?.stdin.writable) return false;
    child.stdin.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  /** Stops the process for good. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    child.stdin.end();
    child.kill("SIGTERM");
    const kill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(kill);
  }

  private spawnChild(): Promise<void> {
    const { command, args, env, name, log } = this.options;
    const child = spawn(command, [...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    this.startedAt = Date.now();
    let resolveExited!: () => void;
    this.exited = new Promise((resolve) => {
      resolveExited = resolve;
    });
    readLines(child.stdout, (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        log(`aigw: mcp ${name}: ignored a stdout line that is not JSON: ${line.slice(0, 200)}`);
        return;
      }
      this.options.onMessage(message);
    });
    readLines(child.stderr, (line) => log(`[mcp ${name}] ${line}`));
    // A write to a process that just died fails; its exit is handled below.
    child.stdin.on("error", () => undefined);
    return new Promise((resolve, reject) => {
      let spawned = false;
      child.once("spawn", () => {
        spawned = true;
        resolve();
      });
      child.once("error", (err) => {
        if (spawned) return;
        // Never started ("close" still follows): the first start's caller reports it, a restart logs it.
        reject(err);
      });
      child.once("close", (code, signal) => {
        if (this.child === child) this.child = undefined;
        resolveExited();
        if (this.closed) return;
        if (spawned) log(`aigw: mcp ${name}: ${command} exited (${signal ?? `code ${code}`})`);
        this.options.onExit();
        this.scheduleRestart();
      });
    });
  }

  private scheduleRestart(): void {
    if (Date.now() - this.startedAt >= STABLE_MS) this.crashes = 0;
    const first = this.options.restartMs ?? 100;
    const delay = Math.min(this.options.maxRestartMs ?? 10_000, first * 2 ** this.crashes);
    this.crashes += 1;
    this.restartTimer = setTimeout(() => {
      if (this.closed) return;
      this.spawnChild().then(
        () => this.options.onRestart(),
        (err: Error) =>
          this.options.log(
            `aigw: mcp ${this.options.name}: cannot start ${this.options.command}: ${err.message}`,
          ),
      );
    }, delay);
  }
}

/** Calls `onLine` with every complete line (without its `\n` or `\r\n`); blank lines are skipped. */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  stream.setEncoding("utf8");
  let pending = "";
  // Only the new chunk is searched: a long line arriving in many chunks is not rescanned each time.
  stream.on("data", (chunk: string) => {
    let start = 0;
    let newline = chunk.indexOf("\n");
    while (newline >= 0) {
      const line = (pending + chunk.slice(start, newline)).replace(/\r$/, "");
      pending = "";
      if (line.trim() !== "") onLine(line);
      start = newline + 1;
      newline = chunk.indexOf("\n", start);
    }
    pending += chunk.slice(start);
  });
}
