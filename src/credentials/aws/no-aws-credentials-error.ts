import { MissingCredentialError } from "../missing-credential-error.js";
import { chainFailureReason } from "./chain-failure-reason.js";

/**
 * An AWSCredentials policy without a credentialsFile found credentials nowhere, AWS's default chain
 * included. A MissingCredentialError, so the client gets 401 in its API's envelope as before the
 * chain existed; the message says where the gateway looked and why the chain found nothing, without
 * secrets.
 */
export class NoAwsCredentialsError extends MissingCredentialError {
  constructor(chainError: unknown) {
    super();
    this.message =
      "no AWS credentials were found in the environment, the shared credentials file or AWS's default " +
      `chain: ${chainFailureReason(chainError)}`;
  }
}
