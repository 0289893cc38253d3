import type { ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type ReceivedRequest, receiveRequest } from "./recording-upstream.js";
import { TEST_SERVER_CERT, TEST_SERVER_KEY } from "./tls-fixtures.js";

/**
 * A fake Microsoft Entra token endpoint over https (the test CA's certificate for 127.0.0.1, so only a
 * process that trusts that CA can reach it): POST `/<tenant>/oauth2/v2.0/token` with the
 * client-credentials form, as the v2 endpoint serves it. It checks what Entra checks: the content
 * type, grant_type=client_credentials, the scope, the tenant in the path (AADSTS90002 otherwise),
 * and the client id and secret (AADSTS700016 / AADSTS7000215); any other path is 404. It issues
 * distinct tokens that expire after `expiresIn` seconds of its own clock, counts them, and can be
 * told to fail the next requests of a client (500 temporarily_unavailable, as Entra does when busy).
 */

export interface FakeEntraClient {
  clientID: string;
  clientSecret: string;
}

export interface FakeEntraOptions {
  tenantID: string;
  clients: FakeEntraClient[];
  /** Lifetime of issued tokens in seconds; default 3599. */
  expiresIn?: number;
}

export interface IssuedToken {
  token: string;
  clientID: string;
  expiresAt: number;
}

export interface FakeEntra {
  /** "https://127.0.0.1:<port>" */
  readonly url: string;
  /** Every request received. */
  readonly requests: ReceivedRequest[];
  readonly issued: IssuedToken[];
  /** A token it issued that has not expired. */
  accepts(token: string): boolean;
  /** The next `count` valid requests of `clientID` fail with 500. */
  failNext(clientID: string, count: number): void;
  close(): Promise<void>;
}

export const ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default";
const FORM_FIELDS = ["client_id", "client_secret", "grant_type", "scope"];

export async function startFakeEntra(options: FakeEntraOptions): Promise<FakeEntra> {
  const requests: ReceivedRequest[] = [];
  const issued: IssuedToken[] = [];
  const failures = new Map<string, number>();
  const expiresIn = options.expiresIn ?? 3599;
  const server = createServer({ cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY }, (req, res) =>
    receiveRequest(req, res, (received) => {
      requests.push(received);
      answer(received, res);
    }),
  );

  function answer(req: ReceivedRequest, res: ServerResponse) {
    const match = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.url);
    if (req.method !== "POST" || !match) return send(res, 404, { error: "not_found" });
    if (decodeURIComponent(match[1]!) !== options.tenantID) {
      return entraError(res, 400, "invalid_request", `AADSTS90002: Tenant '${match[1]}' not found.`);
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return entraError(
        res,
        400,
        "invalid_request",
        "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
      );
    }
    const form = new URLSearchParams(req.body.toString("utf8"));
    const keys = [...form.keys()].sort();
    if (JSON.stringify(keys) !== JSON.stringify(FORM_FIELDS)) {
      return entraError(
        res,
        400,
        "invalid_request",
        `AADSTS900144: unexpected form fields ${keys.join(",")}.`,
      );
    }
    if (form.get("grant_type") !== "client_credentials")
      return entraError(res, 400, "unsupported_grant_type", "AADSTS70003: unsupported grant type.");
    if (form.get("scope") !== ENTRA_SCOPE)
      return entraError(
        res,
        400,
        "invalid_scope",
        `AADSTS70011: The provided value for scope ${form.get("scope")} is not valid.`,
      );
    const client = options.clients.find((c) => c.clientID === form.get("client_id"));
    if (client === undefined) {
      return entraError(
        res,
        400,
        "unauthorized_client",
        `AADSTS700016: Application with identifier '${form.get("client_id")}' was not found in the directory.`,
      );
    }
    if (form.get("client_secret") !== client.clientSecret) {
      return entraError(
        res,
        401,
        "invalid_client",
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
      );
    }
    const failing = failures.get(client.clientID) ?? 0;
    if (failing > 0) {
      failures.set(client.clientID, failing - 1);
      return entraError(
        res,
        500,
        "temporarily_unavailable",
        "AADSTS50196: The server is temporarily unavailable.",
      );
    }
    const token = `entra-${client.clientID}-${issued.length + 1}-${Math.random().toString(36).slice(2)}`;
    issued.push({ token, clientID: client.clientID, expiresAt: Date.now() + expiresIn * 1000 });
    send(res, 200, {
      token_type: "Bearer",
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: token,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    issued,
    accepts: (token) => issued.some((t) => t.token === token && Date.now() < t.expiresAt),
    failNext(clientID, count) {
      failures.set(clientID, count);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function entraError(res: ServerResponse, status: number, error: string, description: string): void {
  send(res, status, {
    error,
    error_description: `${description}\r\nTrace ID: 0b7f4c4e-fake\r\nCorrelation ID: 5c2d-fake\r\nTimestamp: 2026-12-03 12:00:00Z`,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
    timestamp: "2026-12-03 12:00:00Z",
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}
