import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { BENCH_DIST, spawnNode } from "./bench-processes.js";

export interface PoolReplicas {
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts `count` simulators as child processes (bench/serve-simulator.js, the `aigw sim` flags) on
 * 127.0.0.2, 127.0.0.3, ...: one machine standing for a pool whose replicas differ by address, as
 * pods do. `port` 0 lets each pick a free port; the URLs are read from what each prints. `cpus`
 * pins them (taskset) where possible, e.g. to the load generator's core.
 */
export async function startPoolReplicas(
  count: number,
  simFlags: readonly string[],
  port = 0,
  cpus?: string,
): Promise<PoolReplicas> {
  if (!Number.isInteger(count) || count < 1 || count > 250) {
    throw new RangeError(`replica count must be 1..250, got ${count}`);
  }
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
  };
  try {
    const urls = await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const child = spawnNode(
          [
            `${BENCH_DIST}serve-simulator.js`,
            "--host",
            `127.0.0.${i + 2}`,
            "--port",
            String(port),
            ...simFlags,
          ],
          cpus,
          process.env,
          "pipe",
        );
        children.push(child);
        return listeningUrl(child);
      }),
    );
    return { urls, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The URL from the "listening on" line, or the process's stderr when it exits first. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once("exit", (code) =>
      reject(new Error(`simulator exited (${code}) before listening:\n${stderr}`)),
    );
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await once(child, "exit");
  clearTimeout(timer);
}
