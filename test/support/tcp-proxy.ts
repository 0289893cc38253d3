import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy in front of a server, to take it away (an outage) and bring it back mid-test. */
export interface TcpProxy {
  readonly port: number;
  /** "127.0.0.1:<port>" */
  readonly hostPort: string;
  /** Stops listening and cuts every connection: clients see the server gone. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const next = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    next.listen(port, "127.0.0.1");
    await once(next, "listening");
    port = (next.address() as { port: number }).port;
    server = next;
  };
  await listen();
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    async stop() {
      const current = server;
      server = undefined;
      if (!current) return;
      const closed = new Promise((resolve) => current.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async start() {
      if (!server) await listen();
    },
  };
}
