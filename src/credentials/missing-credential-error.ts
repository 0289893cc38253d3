/**
 * A credentialOverride without fallback found no credential in the request; the gateway answers
 * 401 {"type":"error","error":{"type":"Unauthorized","code":"401","message":"missing upstream credential"}}.
 */
export class MissingCredentialError extends Error {
  override readonly name = "MissingCredentialError";
  constructor() {
    super("missing upstream credential");
  }
}
