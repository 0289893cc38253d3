import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { jwksJson, type SigningKey } from "./jwt-issuer.js";

/**
 * An OAuth authorization server on 127.0.0.1 as far as a resource server sees one: RFC 8414
 * metadata at `/.well-known/<document><issuer path>` naming its `jwks_uri`, and the keys there.
 * Counts the requests for each path, so tests see what the gateway fetched and how often.
 */
export interface FakeAuthorizationServer {
  /** `http://127.0.0.1:<port><issuerPath>`: what tokens carry as `iss`. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Requests so far by path. */
  fetchesOf(path: string): number;
  /** The status the metadata documents answer with from now on instead of the metadata. */
  failMetadataWith(status: number | undefined): void;
}

export async function startFakeAuthorizationServer(
  keys: readonly SigningKey[],
  options: {
    issuerPath?: string;
    /** Which well-known document it publishes (default oauth-authorization-server). */
    document?: "oauth-authorization-server" | "openid-configuration";
    /** Publish metadata that names no `jwks_uri` (a misconfigured server). */
    withoutJwksUri?: boolean;
  } = {},
): Promise<FakeAuthorizationServer & { close(): Promise<void> }> {
  const issuerPath = options.issuerPath ?? "";
  const metadataPath = `/.well-known/${options.document ?? "oauth-authorization-server"}${issuerPath}`;
  const fetches = new Map<string, number>();
  let failure: number | undefined;
  let origin = "";
  const server = createServer((req, res) => {
    req.resume();
    const path = req.url ?? "";
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    if (path === "/jwks.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(jwksJson(keys));
    } else if (path === metadataPath && failure !== undefined) {
      res.writeHead(failure).end();
    } else if (path === metadataPath) {
      const metadata = {
        issuer: `${origin}${issuerPath}`,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        ...(options.withoutJwksUri ? {} : { jwks_uri: `${origin}/jwks.json` }),
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(metadata));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: `${origin}${issuerPath}`,
    jwksUri: `${origin}/jwks.json`,
    fetchesOf: (path) => fetches.get(path) ?? 0,
    failMetadataWith(status) {
      failure = status;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
