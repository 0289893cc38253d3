import type { IncomingHttpHeaders } from "node:http";

/** What authentication and authorization read of one request. */
export interface AuthRequest {
  /** The client's headers; `check` strips and sets identity headers in place. */
  readonly headers: IncomingHttpHeaders;
  /** The request target as the client sent it (path and query), for query-param credentials. */
  readonly url: string;
  /** The TCP peer's address as the socket gives it, for clientCIDRs. */
  readonly clientAddress: string | undefined;
  /** The body's model (what `x-ai-eg-model` means to authorization rules); undefined for listings. */
  readonly model: string | undefined;
  /** The listener's scheme, for the realm a 401's `WWW-Authenticate` names. */
  readonly scheme: "http" | "https";
}

/** Who the verified credential says the caller is. */
export interface Identity {
  /** The API-key client id or the JWT `sub`. */
  readonly consumer: string | undefined;
}

/**
 * One compiled SecurityPolicy: verifies the credential (401), strips every header the policy
 * produces from the client's request and sets them from the credential, removes the credential
 * when the policy sanitizes, then applies `authorization` (403). Refusals are AuthRefusals (GatewayErrors).
 * Synchronous unless it must fetch (a JWKS not yet in hand) or verify a token it has not seen.
 */
export interface AuthPolicy {
  /** "namespace/name" of the SecurityPolicy. */
  readonly source: string;
  /**
   * The route must be matched again after `check`: a JWT provider asks for it (`recomputeRoute`),
   * or the policy sets a header that some route rule matches on, so the route is chosen with the
   * verified value rather than the one the client sent.
   */
  readonly reroutes: boolean;
  check(request: AuthRequest): Identity | Promise<Identity>;
}
