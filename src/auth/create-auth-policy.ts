import type { ApiKeyAuthenticator } from "./api-key-auth.js";
import type { AuthPolicy, AuthRequest, Identity } from "./auth-policy.js";
import { forbidden, RBAC_DENIED } from "./auth-refusal.js";
import type { Authorize } from "./compile-authorization.js";
import type { JwtAuthenticator, VerifiedToken } from "./jwt-auth.js";

export interface AuthPolicyParts {
  /** "namespace/name" of the SecurityPolicy. */
  readonly source: string;
  readonly apiKey?: ApiKeyAuthenticator;
  readonly jwt?: JwtAuthenticator;
  readonly authorize?: Authorize;
  /** Header names some route rule matches on: a policy producing one makes the route be matched again. */
  readonly routeMatchHeaders: ReadonlySet<string>;
}

const NOBODY: Identity = Object.freeze({ consumer: undefined });

/**
 * One SecurityPolicy's check, in Envoy Gateway's filter order: every header the policy produces is
 * removed from the client's request, so no client can claim another consumer or tenant; then the
 * API key, then the JWT, each setting its headers from what it verified; then `authorization`.
 * The consumer is the API key's client id, else the JWT's `sub`.
 */
export function createAuthPolicy(parts: AuthPolicyParts): AuthPolicy {
  const produces = [...new Set([...(parts.apiKey?.produces ?? []), ...(parts.jwt?.produces ?? [])])];
  const { apiKey, jwt, authorize } = parts;
  const finish = (request: AuthRequest, client: Identity | undefined, token: VerifiedToken | undefined) => {
    if (token) for (const [name, value] of token.headers) request.headers[name] = value;
    const identity = client ?? token?.identity ?? NOBODY;
    if (authorize && !authorize(request, token)) throw forbidden(RBAC_DENIED, undefined, identity.consumer);
    return identity;
  };
  return {
    source: parts.source,
    reroutes: jwt?.recomputesRoute === true || produces.some((name) => parts.routeMatchHeaders.has(name)),
    check(request) {
      const headers = request.headers;
      for (const name of produces) if (headers[name] !== undefined) delete headers[name];
      const client = apiKey?.authenticate(request);
      const token = jwt?.authenticate(request);
      if (token instanceof Promise) return token.then((verified) => finish(request, client, verified));
      return finish(request, client, token);
    },
  };
}
