/**
 * An injector could not obtain the credential it signs with from the identity provider (a token
 * endpoint that refused, failed or could not be reached). The gateway answers 502 in the client's
 * envelope: the client's request was fine and the upstream was never asked. The message names the
 * provider and its answer's error code, never a key, an assertion or a token.
 */
export class CredentialFetchError extends Error {
  override readonly name = "CredentialFetchError";
}
