import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import type { LoadJob, LoadResult } from "./load-job.js";

/** dist/bench/ at run time; the repository root is two levels up. */
export const BENCH_DIST = fileURLToPath(new URL(".", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `taskset` pins a process tree to cores; without it (or with one core) nothing is pinned. */
export const canPin = ((): boolean => {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/**
 * With two or more cores and taskset, the measured server (proxy, gateway) gets core 1 and the load
 * generator shares core 0 with the model servers; otherwise nothing is pinned. The machine's cores,
 * not this process's (availableParallelism): a phase run-bench starts pinned to core 0 still puts
 * its gateways on core 1.
 */
export const PINNED = canPin && cpus().length >= 2;
export const CLIENT_CPUS = PINNED ? "0" : undefined;
export const SERVER_CPUS = PINNED ? "1" : undefined;

/** `aigw` as its package.json bin declares it. */
export const GATEWAY_BIN = `${REPO_ROOT}dist/src/cli/main.js`;

/**
 * The Node flags a bin declares in its shebang (`#!/usr/bin/env -S node --flag ...`), so the
 * benchmark runs the gateway exactly as `npx aigw` does while still pinning `node` with taskset.
 */
export function binNodeFlags(binPath: string): string[] {
  const first = readFileSync(binPath, "utf8").split("\n", 1)[0] ?? "";
  const words = first
    .replace(/^#!\S*env\s+(-S\s+)?/, "")
    .split(/\s+/)
    .filter(Boolean);
  return words[0] === "node" ? words.slice(1) : [];
}

/** Starts `node <args>` pinned to `cpus` ("0", "1", "0-1") when possible. */
export function spawnNode(
  args: string[],
  cpus: string | undefined,
  env: NodeJS.ProcessEnv,
  stdout: "ignore" | "pipe",
) {
  const [command, commandArgs] =
    canPin && cpus !== undefined
      ? ["taskset", ["-c", cpus, process.execPath, ...args]]
      : [process.execPath, args];
  // taskset execs node in place, so the child's pid is node's pid (/proc readings need that).
  return spawn(command, commandArgs, { env, stdio: ["ignore", stdout, "pipe"], cwd: REPO_ROOT });
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly origin: string;
  stop(): Promise<void>;
}

/** A request a server must answer with 200 before it counts as ready. */
export interface Probe {
  path: string;
  body: string;
  /** Besides content-type: the credentials a gateway with authentication wants. */
  headers?: Record<string, string>;
}

/**
 * Starts a server process and waits until it answers the probe request with 200, which for the
 * proxy and the gateway also proves the route to the simulator works. Rejects with the process's
 * stderr tail if it exits or is not ready within `readyTimeoutMs`.
 */
export async function startServer(
  name: string,
  args: string[],
  port: number,
  cpus: string | undefined,
  env: NodeJS.ProcessEnv,
  probe: Probe,
  readyTimeoutMs = 20_000,
): Promise<ServerProcess> {
  const child = spawnNode(args, cpus, env, "ignore");
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let last: { status: number; body: string } | undefined;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    last = await answer(origin, probe);
    if (last?.status === 200) return { name, pid: child.pid!, origin, stop: () => stopChild(child) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopChild(child);
  const answered = last ? `; it answered ${probe.path} with ${last.status}: ${last.body.slice(0, 400)}` : "";
  throw new Error(`${name} did not become ready (exit ${child.exitCode})${answered}\n${stderr}`);
}

/** One POST of the probe; undefined when the server cannot be reached. */
async function answer(origin: string, probe: Probe): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await request(`${origin}${probe.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...probe.headers },
      body: probe.body,
    });
    return { status: response.statusCode, body: await response.body.text() };
  } catch {
    return undefined;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await once(child, "exit");
  clearTimeout(timer);
}

/** Runs one load job in its own (pinned) process and returns its result. */
export function runLoad(job: LoadJob, cpus: string | undefined): Promise<LoadResult> {
  return runForJson([`${BENCH_DIST}load-generator.js`, JSON.stringify(job)], cpus);
}

/** Runs `node <args>` (pinned) to completion and parses the one JSON document it prints. */
export async function runForJson<T>(args: string[], cpus: string | undefined): Promise<T> {
  const child = spawnNode(args, cpus, process.env, "pipe");
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`${args.find((arg) => arg.endsWith(".js"))} failed (${code}):\n${stderr}`);
  return JSON.parse(stdout) as T;
}

/** A process started by startUntilStopped: it works until stop(), which returns what it printed. */
export interface RunningProcess<T> {
  readonly pid: number;
  /** SIGTERM, then the one JSON document it prints on its way out. */
  stop(): Promise<T>;
}

/**
 * Starts `node <args>` (pinned) that works until it is stopped; resolves once it printed its first
 * line (it is at work), rejects with its stderr tail when it exits before that.
 */
export async function startUntilStopped<T>(
  args: string[],
  cpus: string | undefined,
): Promise<RunningProcess<T>> {
  const child = spawnNode(args, cpus, process.env, "pipe");
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = once(child, "exit");
  const script = args.find((arg) => arg.endsWith(".js"));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("\n")) resolve();
    });
    void exited.then(([code]) =>
      reject(new Error(`${script} exited (${code}) before it started:\n${stderr}`)),
    );
  });
  return {
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      const [code] = await exited;
      if (code !== 0) throw new Error(`${script} failed (${code}):\n${stderr}`);
      return JSON.parse(stdout.slice(stdout.indexOf("\n") + 1)) as T;
    },
  };
}

/** A port that was free a moment ago (the child binds it next; loopback races are rare enough). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
