import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The OTLP collector a tracing gateway exports to in the benchmarks: it reads and drops each export,
 * as cheaply as an answer can be made, since on this machine its CPU competes with the gateway's.
 */
export interface SpanSink {
  readonly url: string;
  /** Export requests received so far. */
  readonly exports: () => number;
}

export async function startSpanSink(): Promise<SpanSink & { close(): void }> {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      exports += 1;
      res.writeHead(200, { "content-type": "application/x-protobuf", "content-length": 0 }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, exports: () => exports, close: () => server.close() };
}
