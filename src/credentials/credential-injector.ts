/**
 * The contract between the request path and a BackendSecurityPolicy type: what the gateway hands a
 * credential injector (the upstream request as it is about to be sent) and what it may change.
 */

/** Adds credentials to an upstream request; asynchronous only when it must fetch something (tokens). */
export interface CredentialInjector {
  /** Header names (lower-case) clients use to override this credential; stripped before upstream. */
  readonly overrideHeaders: readonly string[];
  inject(req: OutgoingRequest): void | Promise<void>;
}

/** The upstream request as it is about to be sent, for credential injection and signing. */
export interface OutgoingRequest {
  method: string;
  /**
   * Path and query as sent, e.g. "/model/x/converse". An injector may rewrite it where the credential
   * decides part of the path (GCP: project and region come from the policy, not the translator).
   */
  path: string;
  /** The backend's host[:port] as the Host header names it by default, e.g. "bedrock-runtime.us-east-1.amazonaws.com". */
  readonly authority: string;
  /** Lower-case header name -> value; inject() may add or change entries. */
  headers: Record<string, string>;
  body: Buffer | string;
  /** The client's headers, for credentialOverride.fromRequestHeaders. */
  clientHeaders: Record<string, string | string[] | undefined>;
}
