import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { freePort } from "./free-port.js";

/** A redis-server of the test's own (no persistence), to stop and start again mid-test. */
export interface ThrowawayRedis {
  readonly port: number;
  readonly url: string;
  /** Kills it at once (SIGKILL: an outage, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  let server = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (server.exitCode !== null || server.signalCode !== null) return;
      server.kill("SIGKILL");
      await once(server, "exit");
    },
    async restart() {
      server = await launch(port);
    },
  };
}

function launch(port: number): Promise<ChildProcess> {
  return launchRedisServer(["--port", String(port)]);
}

/**
 * redis-server with `args` (at least `--port`) on 127.0.0.1 without persistence, resolved once it
 * accepts connections.
 */
export async function launchRedisServer(args: string[]): Promise<ChildProcess> {
  const server = spawn("redis-server", [...args, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  // A test that forgets to kill it must not leave it running.
  process.once("exit", () => server.kill("SIGKILL"));
  let output = "";
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    });
    server.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return server;
}
