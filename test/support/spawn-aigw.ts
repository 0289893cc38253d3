import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built CLI, run directly (not via npx: a stale npx cache entry could shadow it). */
export const AIGW_BIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface AigwRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `aigw <args>` to completion. */
export function runAigw(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<AigwRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIGW_BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServingAigw {
  child: ChildProcess;
  /** The data-plane URL the process printed. */
  url: string;
  adminUrl: string;
  /** The admin token it made up and printed (AIGW_ADMIN_TOKEN unset). */
  adminToken: string | undefined;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `aigw run <args>` and resolves once it prints where it listens (bounded by `timeoutMs`). */
export function serveAigw(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<ServingAigw> {
  const child = spawn(process.execPath, [AIGW_BIN, "run", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`aigw run did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (\S+) \(admin (\S+)\)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          adminUrl: m[2]!,
          adminToken:
            /admin token for the console and the usage API \(AIGW_ADMIN_TOKEN is not set\): (\S+)/.exec(
              stderr,
            )?.[1],
          stdout: () => stdout,
          stderr: () => stderr,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`aigw run exited with ${code} before listening:\n${stderr}`));
    });
  });
}

/**
 * The environment minus anything that would switch `aigw run` into a provider mode or point it at
 * a shared store (`AIGW_*`), with a data home of its own: the ledger is on by default, and every
 * process gets its own SQLite file unless `extra` says otherwise.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      name.startsWith("OPENAI_") ||
      name.startsWith("ANTHROPIC_") ||
      name.startsWith("AZURE_OPENAI_") ||
      name.startsWith("AIGW_")
    ) {
      delete env[name];
    }
  }
  return { ...env, AIGW_DATA_HOME: newDataHome(), ...extra };
}

/** An empty directory for one process's ledger and spill files. */
export function newDataHome(): string {
  return mkdtempSync(join(tmpdir(), "aigw-data-"));
}
