import { GatewayError } from "../gateway/gateway-error.js";
import type { AuthRequest } from "./auth-policy.js";

/** The access log's `error` for a request without a valid credential. */
const UNAUTHENTICATED = "unauthenticated";
/** The access log's `error` for a request whose credential is valid but not allowed. */
const FORBIDDEN = "forbidden";

/** Envoy RBAC filter's answer to a denied request. */
export const RBAC_DENIED = "RBAC: access denied";

/** Envoy's jwt_authn filter cuts the URI it names in a challenge at 256 characters. */
const MAX_REALM_PATH = 256;
/** What would end the realm's quoted string early. */
const QUOTED_STRING_ENDS = /["\\]/g;

/**
 * A refusal by authentication (401) or authorization (403): the request record's `authRefused`.
 * `consumer` is who the credential said the caller is, when authorization refused a known caller.
 */
export class AuthRefusal extends GatewayError {
  constructor(
    status: 401 | 403,
    message: string,
    headers: Readonly<Record<string, string>> | undefined,
    readonly consumer: string | undefined = undefined,
  ) {
    super(
      status,
      status === 401 ? "Unauthorized" : "Forbidden",
      message,
      status === 401 ? UNAUTHENTICATED : FORBIDDEN,
      undefined,
      headers,
    );
  }
}

/**
 * A 401 for a missing or bad credential, with the challenge Envoy's jwt_authn filter sends:
 * `Bearer realm="<scheme>://<host><path>"`, plus `error="invalid_token"` when a credential was
 * presented. Unlike Envoy the realm leaves out the query string, which may carry the credential.
 */
export function unauthenticated(request: AuthRequest, message: string, presented: boolean): AuthRefusal {
  return new AuthRefusal(401, message, { "www-authenticate": challenge(request, presented) });
}

/** A 403: the credential is valid (the consumer's, if known), but this request is not allowed. */
export function forbidden(
  message: string,
  headers?: Readonly<Record<string, string>>,
  consumer?: string,
): AuthRefusal {
  return new AuthRefusal(403, message, headers, consumer);
}

/** The challenge of a 401 (or of the 403 Envoy gives a token of the wrong audience). */
export function challenge(request: AuthRequest, presented: boolean): string {
  const query = request.url.indexOf("?");
  const path = (query < 0 ? request.url : request.url.slice(0, query)).slice(0, MAX_REALM_PATH);
  const host = request.headers.host ?? "";
  // The realm is a quoted string built from client input: quotes and backslashes would end it.
  const realm = `${request.scheme}://${host}${path}`.replace(QUOTED_STRING_ENDS, "");
  return presented ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`;
}
