/** Long enough for any message the SDK's providers write; a longer one is not a reason but a dump. */
const MAX_LENGTH = 200;

/** Environment variables whose values are secrets the chain may have been handed. */
const SECRET_VARIABLES = ["AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/** A JWT (web identity and Pod Identity tokens are ones), should a message ever quote one. */
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;

/** Names that add nothing to the message they stand before. */
const PLAIN_NAMES = new Set(["Error", "CredentialsProviderError", "ProviderError"]);

/**
 * Why AWS's default credential chain found nothing, fit for a client's 401 message: the first line
 * of the error only (later lines of a credential_process failure are the command's stderr), the
 * command line of a failed credential_process left out (it may carry a secret argument), secrets from
 * the environment and anything shaped like a token redacted, and at most MAX_LENGTH characters.
 */
export function chainFailureReason(err: unknown): string {
  if (!(err instanceof Error)) return "the AWS default credential chain failed";
  if (err.message.startsWith("Command failed:")) return "the credential_process command failed";
  const firstLine = err.message.split("\n", 1)[0]?.trim() ?? "";
  let reason =
    firstLine === "" ? err.name : PLAIN_NAMES.has(err.name) ? firstLine : `${err.name}: ${firstLine}`;
  reason = reason.replace(JWT, "[redacted]");
  for (const name of SECRET_VARIABLES) {
    const secret = process.env[name];
    if (secret) reason = reason.replaceAll(secret, "[redacted]");
  }
  return reason.length > MAX_LENGTH ? `${reason.slice(0, MAX_LENGTH - 3)}...` : reason;
}
