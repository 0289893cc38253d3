import { startPoolReplicas } from "./pool-replicas.js";

/**
 * Usage: node dist/bench/serve-pool-replicas.js <count> [--port N] [aigw sim flags...]
 * Starts <count> simulators on 127.0.0.2 .. 127.0.0.<count+1>, prints one URL a line, and stops
 * them on SIGINT or SIGTERM.
 */
const [countText, ...rest] = process.argv.slice(2);
const count = Number(countText);
let port = 8000;
const portAt = rest.indexOf("--port");
if (portAt !== -1) {
  port = Number(rest[portAt + 1]);
  rest.splice(portAt, 2);
}
const replicas = await startPoolReplicas(count, rest, port);
process.stdout.write(`${replicas.urls.join("\n")}\n`);
await new Promise<void>((resolve) => {
  const stop = (): void => {
    replicas.stop().then(resolve, resolve);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
});
