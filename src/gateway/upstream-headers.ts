import type { IncomingHttpHeaders } from "node:http";
import { MODEL_HEADER } from "../config/compile-routes.js";
import type { HeaderMutation } from "../config/snapshot.js";
import { CLIENT_KEY_HEADERS } from "./client-credential-headers.js";

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
  ...CLIENT_KEY_HEADERS,
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
  out[MODEL_HEADER] = modelHeaderValue(requestModel);
  if (mutation) {
    for (const name of mutation.remove) delete out[name];
    for (const [name, value] of mutation.set) out[name] = value;
  }
  return out;
}

/**
 * The model as the value of the upstream `x-ai-eg-model` header. A name of visible ASCII and spaces
 * (every real model id) is the header value as it is, with no copy made. Anything else cannot be a
 * header value as it stands: undici refuses characters past U+00FF and control characters (CJK
 * names, U+2028, a lone surrogate would fail the whole request as "invalid x-ai-eg-model header"),
 * and sends U+0080 to U+00FF as Latin-1 bytes, which no upstream reads back as the name. Such a name
 * is sent percent-encoded as UTF-8 instead, like a URL path segment: every byte outside visible ASCII,
 * and `%` itself and spaces, as %XX; a lone surrogate as U+FFFD, since it has no UTF-8 form.
 */
export function modelHeaderValue(model: string): string {
  for (let i = 0; i < model.length; i++) {
    const c = model.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return percentEncodeModel(model);
  }
  return model;
}

const HEX = "0123456789ABCDEF";

function percentEncodeModel(model: string): string {
  // Buffer.from writes a lone surrogate as EF BF BD (U+FFFD): nothing here can throw.
  const bytes = Buffer.from(model, "utf8");
  let out = "";
  for (const b of bytes) {
    if (b > 0x20 && b < 0x7f && b !== 0x25) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 0x0f]}`;
  }
  return out;
}

/** Upstream response headers that are not passed back: hop-by-hop and framing. */
const NOT_RETURNED = new Set([...HOP_BY_HOP, "content-length", "content-type", "content-encoding"]);

/**
 * Upstream response headers for the client; the gateway sets content-type and length itself, and
 * its own `x-aigw-*` headers (request id, debug headers), which an upstream (another aigw, say)
 * must not replace.
 */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | number> {
  const out: Record<string, string | string[] | number> = {};
  for (const name in upstream) {
    if (NOT_RETURNED.has(name) || name.startsWith("x-aigw-")) continue;
    const value = upstream[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
