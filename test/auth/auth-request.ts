import type { IncomingHttpHeaders } from "node:http";
import type { AuthRequest } from "../../src/auth/auth-policy.js";

/** An AuthRequest as the gateway builds one, for unit tests: headers are copied so tests can inspect them. */
export function authRequest(
  headers: IncomingHttpHeaders = {},
  options: { url?: string; clientAddress?: string; model?: string } = {},
): AuthRequest {
  return {
    headers: { host: "gw.test", ...headers },
    url: options.url ?? "/v1/chat/completions",
    clientAddress: options.clientAddress ?? "127.0.0.1",
    model: "model" in options ? options.model : "gpt-test",
    scheme: "http",
  };
}
