import { MissingCredentialError } from "../missing-credential-error.js";

/**
 * No Microsoft Entra token could be had for an AzureCredentials policy. A MissingCredentialError, so
 * the client gets 401 in its API's envelope, as for every upstream credential the gateway cannot
 * supply (AWS's default chain included); the message says which tenant and client and why (Entra's
 * own error code and first line of description, or the network failure), never the secret.
 */
export class EntraTokenError extends MissingCredentialError {
  constructor(tenantID: string, clientID: string, reason: string) {
    super();
    this.message = `no Microsoft Entra token for client ${clientID} in tenant ${tenantID}: ${reason}`;
  }
}
