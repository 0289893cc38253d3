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
}

/** Who the verified credential says the caller is. */
export interface Identity {
  /** The API-key client id or the JWT `sub`. */
  readonly consumer: string | undefined;
}

/**
 * One compiled SecurityPolicy: verifies the credential (401), strips every header the policy
 * produces from the client's request and sets them from the credential, removes the credential
 * when the policy sanitizes, then applies `authorization` (403). Refusals are GatewayErrors.
 * Synchronous unless it must fetch (a JWKS not yet in hand).
 */
export interface AuthPolicy {
  /** "namespace/name" of the SecurityPolicy. */
  readonly source: string;
  check(request: AuthRequest): Identity | Promise<Identity>;
}
