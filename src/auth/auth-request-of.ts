import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { AuthRequest } from "./auth-policy.js";

/** What a SecurityPolicy reads of a client's request; `model` is the body's (undefined for listings). */
export function authRequestOf(req: IncomingMessage, model: string | undefined): AuthRequest {
  return {
    headers: req.headers,
    url: req.url ?? "/",
    clientAddress: req.socket.remoteAddress,
    model,
    scheme: (req.socket as TLSSocket).encrypted ? "https" : "http",
  };
}
