import type { IncomingHttpHeaders } from "node:http";
import { MODEL_HEADER } from "../config/compile-routes.js";
import type { HeaderMutation } from "../config/snapshot.js";

/** Headers about one connection, never about the message (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
];

/**
 * Client headers that never go upstream: hop-by-hop headers, framing the gateway recomputes,
 * encodings it would have to undo, and the client's own credentials (the gateway injects the
 * backend's; a client key reaching a provider would leak it).
 */
const NEVER_FORWARDED = new Set([
  ...HOP_BY_HOP,
  "host",
  "content-length",
  "expect",
  "accept-encoding",
  "authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  MODEL_HEADER,
]);

/** The headers for the upstream request, before the translator's and the credentials' own. */
export function upstreamHeaders(
  client: IncomingHttpHeaders,
  hostHeader: string,
  requestModel: string,
  overrideHeaders: readonly string[],
  mutation: HeaderMutation | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in client) {
    if (NEVER_FORWARDED.has(name)) continue;
    const value = client[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  for (const name of overrideHeaders) delete out[name];
  out.host = hostHeader;
  out[MODEL_HEADER] = requestModel;
  if (mutation) {
    for (const name of mutation.remove) delete out[name];
    for (const [name, value] of mutation.set) out[name] = value;
  }
  return out;
}

/** Upstream response headers that are not passed back: hop-by-hop and framing. */
const NOT_RETURNED = new Set([...HOP_BY_HOP, "content-length", "content-type", "content-encoding"]);

/** Upstream response headers for the client; the gateway sets content-type and length itself. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | number> {
  const out: Record<string, string | string[] | number> = {};
  for (const name in upstream) {
    if (NOT_RETURNED.has(name)) continue;
    const value = upstream[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
