import { MODEL_HEADER } from "../config/compile-routes.js";

/**
 * Headers a SecurityPolicy produces from the verified credential: `forwardClientIDHeader`, the
 * names of the `aigw/client-headers` annotation and `claimToHeaders`. The gateway strips each
 * from the client's request before setting it, so these names must be ones that carry identity
 * only, never ones the gateway itself reads or writes for the exchange.
 */

/** An HTTP field name (RFC 9110 token), lower-cased. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Framing, routing and connection headers: stripping or setting them would break the request. */
const GATEWAY_OWNED = new Set([
  "host",
  "content-length",
  "content-type",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "cookie",
  MODEL_HEADER,
]);

/** Why `name` cannot be a produced header, or undefined when it can. */
export function producedHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (!HEADER_NAME.test(lower)) return "not a valid HTTP header name";
  if (GATEWAY_OWNED.has(lower)) return `${lower} is a header the gateway itself reads or sets`;
  return undefined;
}

/** Visible ASCII and spaces: what a configured header value may hold. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Why `value` cannot be a header value, or undefined when it can. */
export function headerValueProblem(value: string): string | undefined {
  return HEADER_VALUE.test(value) ? undefined : "header values are visible ASCII characters and spaces";
}
