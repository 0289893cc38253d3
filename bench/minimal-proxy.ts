import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import { type Dispatcher, Pool } from "undici";

/**
 * The floor the gateway is measured against: the least a Node proxy must do for an LLM request.
 * Read the body, parse the JSON (a gateway must, to find the model), forward the original bytes
 * with undici, copy status, headers and body back as they arrive. No routing, no translation, no
 * logging. Pool settings match the gateway's upstream pools.
 *
 * Usage: node dist/bench/minimal-proxy.js --port N --upstream http://127.0.0.1:P
 */
const { values } = parseArgs({
  options: { port: { type: "string" }, upstream: { type: "string" }, host: { type: "string" } },
});
if (!values.port || !values.upstream) throw new Error("usage: minimal-proxy --port N --upstream URL");

const pool = new Pool(values.upstream, {
  connections: null,
  pipelining: 1,
  keepAliveTimeout: 30_000,
  headersTimeout: 0,
  bodyTimeout: 0,
});

/** Response headers that describe the upstream connection, not the message. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding"]);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { model?: unknown };
      if (typeof parsed.model !== "string") throw new Error("no model");
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"bad request"}');
      return;
    }
    pool.dispatch(
      {
        method: "POST",
        path: req.url ?? "/",
        headers: { "content-type": "application/json", "content-length": String(body.length) },
        body,
      },
      copyBackTo(res),
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), values.host ?? "127.0.0.1", () => {
  process.stdout.write(`minimal proxy listening on ${values.port} -> ${values.upstream}\n`);
});

function copyBackTo(res: ServerResponse): Dispatcher.DispatchHandler {
  return {
    // Its presence selects undici 7's controller-based handler API.
    onRequestStart() {},
    onResponseStart(_controller, statusCode, headers) {
      res.writeHead(statusCode, responseHeaders(headers));
    },
    onResponseData(_controller, chunk) {
      res.write(chunk);
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError(_controller, error) {
      if (res.headersSent) res.destroy(error);
      else res.writeHead(502, { "content-type": "application/json" }).end('{"error":"upstream"}');
    },
  };
}

function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name];
  return out;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void pool.close();
  });
}
