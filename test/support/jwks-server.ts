import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { jwksJson, type SigningKey } from "./jwt-issuer.js";

/**
 * A real JWKS endpoint on 127.0.0.1: serves the public keys it is given at `/jwks.json`, and
 * counts every fetch, so tests can rotate keys and check how often the gateway came for them.
 */
export interface JwksServer {
  /** "http://127.0.0.1:<port>/jwks.json" */
  readonly uri: string;
  /** Fetches answered so far (any status). */
  readonly fetches: number;
  /** The keys served from now on. */
  setKeys(keys: readonly SigningKey[]): void;
  /** The status served from now on instead of the keys (e.g. 503); undefined serves the keys again. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: readonly SigningKey[]): Promise<JwksServer> {
  let body = jwksJson(keys);
  let failure: number | undefined;
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches++;
    req.resume();
    if (req.url !== "/jwks.json") {
      res.writeHead(404).end();
    } else if (failure !== undefined) {
      res.writeHead(failure, { "content-type": "text/plain" }).end("unavailable");
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      body = jwksJson(next);
    },
    failWith(status) {
      failure = status;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
